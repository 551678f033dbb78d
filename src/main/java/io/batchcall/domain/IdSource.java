package io.batchcall.domain;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

/**
 * Makes the opaque ids of every object: a type prefix (as ElevenLabs uses: {@code agent_}, {@code btcal_},
 * {@code phnum_}, {@code conv_}), then 28 lowercase letters and digits: the time the id was made, then random ones.
 *
 * <p>Why the time first: an id is a key in the indexes of the tables written most (recipients, attempts,
 * conversations, events). A random key puts each new row's entry on a random page of its index: every page of a
 * workspace's index is written again and again, split half-full, and logged whole after each checkpoint. Ids in the
 * order they were made go to the index's right edge, as a counter's do: on a key of 3,000,000 entries, inserts wrote
 * under a third of the WAL (docs/performance.md, <em>Submit, profiled</em>, "ids that begin with their time"). ElevenLabs' own ids
 * also begin with their time ({@code btcal_6701k8rhhgr7...}).
 *
 * <p>What they still hide: the 17 random characters (87 bits, more than a ULID's 80) cannot be guessed from any other
 * id. What they show: when the object was made, to the microsecond, finer than the API's creation times (seconds),
 * and for attempts and events, which show none. While ids are made faster than one a microsecond the time part runs
 * ahead of the clock, so it hints at how fast a server makes them.
 */
public final class IdSource {
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    /** Microseconds since 1970 in base 36 ({@code 0-9} then {@code a-z}, ascending), enough until the year 6140. */
    private static final int TIME_CHARACTERS = 11;

    private static final int RANDOM_CHARACTERS = 17;

    private final RandomGenerator random;
    private final Clock clock;
    /** The last time part given out: never repeated or gone back, even when the clock stands still or steps back. */
    private final AtomicLong lastMicros = new AtomicLong();

    public IdSource(RandomGenerator random, Clock clock) {
        this.random = random;
        this.clock = clock;
    }

    /**
     * Without a clock, for tests whose ids need only be unique: the time part counts 1, 2, 3... microseconds after
     * 1970, one an id, so that these ids still sort in the order they were made. Only {@code App} reads the wall clock,
     * and no main class may call this ({@code ArchitectureTest}).
     */
    public IdSource(RandomGenerator random) {
        this(random, Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
    }

    public static IdSource secure(Clock clock) {
        return new IdSource(new SecureRandom(), clock);
    }

    /** Without a clock (see {@link #IdSource(RandomGenerator)}). */
    public static IdSource secure() {
        return new IdSource(new SecureRandom());
    }

    /** A new id such as {@code btcal_0horl6hh87d3k9w...}: the prefix, an underscore, 28 characters. */
    public String next(String prefix) {
        return prefix + "_" + timeText() + randomText(RANDOM_CHARACTERS, ALPHABET);
    }

    /**
     * The clock's microseconds, one past the last when they would repeat: ids made one after the other sort in the
     * order they were made (in code point order, which is the database's), within one process.
     */
    private String timeText() {
        long now = ChronoUnit.MICROS.between(Instant.EPOCH, clock.instant());
        long micros = lastMicros.accumulateAndGet(now, (last, current) -> Math.max(last + 1, current));
        var digits = Long.toString(micros, Character.MAX_RADIX);
        return "0".repeat(Math.max(0, TIME_CHARACTERS - digits.length())) + digits;
    }

    /**
     * Random text of the given length from the given alphabet (at most 256 characters), every character equally
     * likely: bytes are drawn a text at a time, and a byte at or above the largest multiple of the alphabet's size is
     * dropped rather than folded in. One draw per text, not one per character: a SecureRandom synchronises on every
     * call, and a 10,000-recipient submit made 280,000 calls for its recipients' ids.
     */
    public String randomText(int length, char[] alphabet) {
        if (alphabet.length == 0 || alphabet.length > 256) {
            throw new IllegalArgumentException("an alphabet of 1 to 256 characters, not " + alphabet.length);
        }
        int limit = 256 - 256 % alphabet.length;
        var chars = new char[length];
        // A few spare bytes: with 36 characters one byte in 64 is dropped, so one draw nearly always suffices.
        var bytes = new byte[length + length / 4 + 4];
        int filled = 0;
        while (filled < length) {
            random.nextBytes(bytes);
            for (int i = 0; i < bytes.length && filled < length; i++) {
                int value = bytes[i] & 0xff;
                if (value < limit) {
                    chars[filled++] = alphabet[value % alphabet.length];
                }
            }
        }
        return new String(chars);
    }
}
