package io.batchcall.telephony;

import java.time.Duration;

/**
 * Runs a task after a delay. Production runs tasks on virtual threads; engine tests use a manual implementation
 * advanced together with a mutable clock, so that no test sleeps.
 */
public interface Timers {
    /** A scheduled task that can still be called off. */
    interface Scheduled {
        void cancel();
    }

    Scheduled schedule(Duration delay, Runnable task);
}
