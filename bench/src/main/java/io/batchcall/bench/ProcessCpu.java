package io.batchcall.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** A process's CPU time (user + system) as Linux reports it in /proc/PID/stat: all its threads, from the OS. */
final class ProcessCpu {
    /** Linux's clock ticks per second for /proc/PID/stat (USER_HZ, 100 on every mainstream build). */
    private static final double CLOCK_TICKS = 100.0;

    private ProcessCpu() {}

    static Duration of(long pid) {
        try {
            return parse(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the CPU time of process " + pid, e);
        }
    }

    /** utime + stime from a /proc/PID/stat line; the command name (in parentheses) may hold spaces. */
    static Duration parse(String stat) {
        var fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        return Duration.ofMillis(Math.round(ticks / CLOCK_TICKS * 1000));
    }
}
