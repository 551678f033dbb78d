package io.batchcall.domain;

/**
 * The unix times (seconds) the API takes as a point in time: 0001-01-01 to 9999-12-31 UTC. Both ends lie well inside
 * what PostgreSQL's {@code timestamptz} and {@code java.time} hold, so a time accepted here can be stored, read back
 * and subtracted from another without overflow. Before this bound a time past PostgreSQL's range (a scheduled time of
 * {@code 99999999999999}, say) failed the statement storing it with a 500; a default calling window's expiry stored
 * that way failed every later submit in its workspace.
 */
public final class UnixTime {
    /** 0001-01-01T00:00:00Z. */
    public static final long EARLIEST = -62_135_596_800L;
    /** 9999-12-31T23:59:59Z. */
    public static final long LATEST = 253_402_300_799L;

    private UnixTime() {}

    public static boolean accepted(long seconds) {
        return seconds >= EARLIEST && seconds <= LATEST;
    }
}
