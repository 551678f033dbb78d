package io.batchcall.bench;

import java.util.ArrayList;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** The plain-JDBC baselines' workers: each dispatches its share until nothing is pending, and says how many it did. */
final class Workers {
    private Workers() {}

    /**
     * Runs {@code count} copies of {@code worker} at once and waits for all; throws when one fails, or when together
     * they did not dispatch exactly {@code recipients} (a baseline that lost or repeated a recipient measured nothing).
     */
    static void dispatchAll(String party, int count, int recipients, Callable<Integer> worker) {
        var workers = Executors.newFixedThreadPool(count);
        try {
            var done = new ArrayList<Future<Integer>>();
            for (int i = 0; i < count; i++) {
                done.add(workers.submit(worker));
            }
            int dispatched = 0;
            for (var each : done) {
                dispatched += each.get();
            }
            if (dispatched != recipients) {
                throw new IllegalStateException(party + " dispatched " + dispatched + " of " + recipients);
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("a worker of " + party + " failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            workers.shutdownNow();
        }
    }
}
