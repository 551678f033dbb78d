package io.batchcall.support;

import io.batchcall.telephony.Timers;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Timers for engine tests: nothing runs until the test advances time, and then every due task runs on the test
 * thread, in time order (tasks that schedule further due tasks see them run too). No test sleeps.
 */
public final class ManualTimers implements Timers {
    private final MutableClock clock;
    private final List<Task> tasks = new ArrayList<>();
    private long sequence;

    private final class Task implements Scheduled {
        final Instant due;
        final long order;
        final Runnable action;
        boolean cancelled;

        Task(Instant due, long order, Runnable action) {
            this.due = due;
            this.order = order;
            this.action = action;
        }

        @Override
        public void cancel() {
            synchronized (ManualTimers.this) {
                cancelled = true;
            }
        }
    }

    public ManualTimers(MutableClock clock) {
        this.clock = clock;
    }

    @Override
    public synchronized Scheduled schedule(Duration delay, Runnable action) {
        var task = new Task(clock.instant().plus(delay), sequence++, action);
        tasks.add(task);
        return task;
    }

    /** Runs what is due now. */
    public void runDue() {
        advance(Duration.ZERO);
    }

    /** Moves time forward, running each task when its instant comes. */
    public void advance(Duration duration) {
        var end = clock.instant().plus(duration);
        while (true) {
            Task next;
            synchronized (this) {
                next = tasks.stream()
                        .filter(t -> !t.cancelled && !t.due.isAfter(end))
                        .min(Comparator.comparing((Task t) -> t.due).thenComparingLong(t -> t.order))
                        .orElse(null);
                if (next != null) {
                    tasks.remove(next);
                }
            }
            if (next == null) {
                break;
            }
            if (next.due.isAfter(clock.instant())) {
                clock.set(next.due);
            }
            next.action.run();
        }
        clock.set(end.isAfter(clock.instant()) ? end : clock.instant());
    }

    public synchronized int pending() {
        return (int) tasks.stream().filter(t -> !t.cancelled).count();
    }
}
