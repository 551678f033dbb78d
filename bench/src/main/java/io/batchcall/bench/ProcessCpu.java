package io.batchcall.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;

/** A process's CPU time (user + system) as Linux reports it in /proc/PID/stat: all its threads, from the OS. */
final class ProcessCpu {
    /** Linux's clock ticks per second for /proc/PID/stat (USER_HZ, 100 on every mainstream build). */
    private static final double CLOCK_TICKS = 100.0;

    private ProcessCpu() {}

    static Duration of(long pid) {
        return parse(stat(pid));
    }

    /**
     * A server's CPU time so far, split: its JVM, and its embedded PostgreSQL (the postmaster, which runs detached
     * from the JVM, and its backends and workers). A process that exited is counted in its parent's children's time
     * once the parent reaped it: the postmaster reaps its backends and autovacuum workers as they exit.
     */
    record Split(Duration jvm, Duration database) {
        static final Split NONE = new Split(Duration.ZERO, Duration.ZERO);

        Split minus(Split earlier) {
            return new Split(jvm.minus(earlier.jvm), database.minus(earlier.database));
        }

        Split plus(Split other) {
            return new Split(jvm.plus(other.jvm), database.plus(other.database));
        }
    }

    /**
     * The CPU a baseline's spans used: this harness's own JVM (the baseline's client, which does the dispatcher's
     * part) and the server's PostgreSQL, the JDBC work of the baseline. Start and stop it around each span to count
     * (the insert, then the dispatch), so that what runs between them (a wait for the statistics) is left out.
     */
    static final class Meter {
        private final Supplier<Duration> database;
        private final long self = ProcessHandle.current().pid();
        private Split used = Split.NONE;
        private Split started;

        Meter(Supplier<Duration> database) {
            this.database = database;
        }

        void start() {
            started = read();
        }

        void stop() {
            used = used.plus(read().minus(started));
        }

        Split used() {
            return used;
        }

        private Split read() {
            return new Split(of(self), database.get());
        }
    }

    static Split split(long jvmPid, long postmasterPid) {
        return new Split(of(jvmPid), withChildren(postmasterPid));
    }

    /** A process's CPU time and that of its descendants, living or reaped. */
    static Duration withChildren(long pid) {
        var stat = stat(pid);
        var total = parse(stat).plus(reapedChildren(stat));
        return ProcessHandle.of(pid).stream()
                .flatMap(ProcessHandle::descendants)
                .map(child -> {
                    try {
                        var childStat = stat(child.pid());
                        return parse(childStat).plus(reapedChildren(childStat));
                    } catch (UncheckedIOException gone) {
                        return Duration.ZERO; // exited between the listing and the read: its parent counts it
                    }
                })
                .reduce(total, Duration::plus);
    }

    private static String stat(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the CPU time of process " + pid, e);
        }
    }

    /** cutime + cstime: the CPU time of the process's children that exited and were waited for. */
    static Duration reapedChildren(String stat) {
        var fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(fields[13]) + Long.parseLong(fields[14]);
        return Duration.ofMillis(Math.round(ticks / CLOCK_TICKS * 1000));
    }

    /** utime + stime from a /proc/PID/stat line; the command name (in parentheses) may hold spaces. */
    static Duration parse(String stat) {
        var fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        return Duration.ofMillis(Math.round(ticks / CLOCK_TICKS * 1000));
    }
}
