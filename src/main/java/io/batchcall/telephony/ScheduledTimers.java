package io.batchcall.telephony;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Timers on one scheduler thread that hands each task to its own virtual thread (tasks may block). */
public final class ScheduledTimers implements Timers, AutoCloseable {
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("batchcall-timers").daemon(true).factory());

    @Override
    public Scheduled schedule(Duration delay, Runnable task) {
        var future = scheduler.schedule(
                () -> Thread.ofVirtual().start(task), Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
        return () -> future.cancel(false);
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
