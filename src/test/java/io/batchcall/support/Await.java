package io.batchcall.support;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Waits for a condition that another process or thread brings about, up to a bound; never a fixed sleep. */
public final class Await {
    private static final Duration POLL = Duration.ofMillis(20);

    private Await() {}

    public static void until(Duration bound, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + bound + ": " + what);
            }
            LockSupport.parkNanos(POLL.toNanos());
        }
    }
}
