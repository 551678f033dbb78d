package io.batchcall.support;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition that another process or thread brings about, up to a bound; never a fixed sleep. */
public final class Await {
    private static final Duration POLL = Duration.ofMillis(20);

    private Await() {}

    public static void until(Duration bound, String what, BooleanSupplier condition) {
        until(bound, what, condition, () -> "");
    }

    /** As {@link #until(Duration, String, BooleanSupplier)}; a failure also says what was seen last. */
    public static void until(Duration bound, String what, BooleanSupplier condition, Supplier<String> seen) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                var last = seen.get();
                throw new AssertionError(
                        "not within " + bound + ": " + what + (last.isEmpty() ? "" : "; seen: " + last));
            }
            LockSupport.parkNanos(POLL.toNanos());
        }
    }
}
