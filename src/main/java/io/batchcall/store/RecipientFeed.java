package io.batchcall.store;

import io.batchcall.domain.NewRecipient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A batch's later recipients, handed from the thread still checking them to the transaction storing the batch, a
 * run at a time and in order (see {@link BatchStore#submit(io.batchcall.domain.WorkspaceId, io.batchcall.domain.NewBatch,
 * RecipientFeed, java.util.Optional)}). The transaction commits only after {@link #end()}: a reader that finds a
 * problem, or fails, {@link #abandon()}s it and the transaction rolls back, so a refused submit stores nothing.
 *
 * <p>The queue is unbounded on purpose: every run is already in memory (the whole body was parsed), and a producer
 * that could block would hang if the transaction never read (an idempotent replay answers without storing).
 */
public final class RecipientFeed {
    /** How long the transaction waits for the next run before it gives up and rolls back. */
    static final Duration PATIENCE = Duration.ofSeconds(60);

    private final int total;
    private final LinkedBlockingQueue<Item> queue = new LinkedBlockingQueue<>();
    private volatile boolean closed;
    // What drain took off the queue, kept for a second drain: the transaction runner retries the whole transaction
    // after a deadlock or a serialization failure, and its second try must store the same runs at the same offsets.
    // Only the draining thread reads or writes these.
    private final List<List<NewRecipient>> taken = new ArrayList<>();
    private Item last;
    // The draining thread was interrupted while it waited. Its flag is set again only once the transaction is over
    // (afterTransaction): a thread whose flag is set may fail its next blocking socket operation (a virtual thread's
    // socket is closed when it is interrupted), so the rollback would be lost and its connection thrown away.
    private boolean interrupted;

    private sealed interface Item {}

    private record Run(List<NewRecipient> recipients) implements Item {}

    private record End() implements Item {}

    private record Abandoned() implements Item {}

    /** A feed of {@code total} recipients still to come (none: {@link #none()}). */
    public RecipientFeed(int total) {
        if (total < 0) {
            throw new IllegalArgumentException("a feed has no fewer than 0 recipients");
        }
        this.total = total;
    }

    /** A feed with nothing to come, already ended: the batch's recipients were all given with it. */
    public static RecipientFeed none() {
        var feed = new RecipientFeed(0);
        feed.end();
        return feed;
    }

    /** How many recipients this feed brings, which the batch row counts before they arrive. */
    public int total() {
        return total;
    }

    public void add(List<NewRecipient> run) {
        if (closed) {
            throw new IllegalStateException("a feed takes no recipients after it ended or was abandoned");
        }
        queue.add(new Run(List.copyOf(run)));
    }

    /** Every recipient was added: the transaction may commit. */
    public void end() {
        if (!closed) {
            closed = true;
            queue.add(new End());
        }
    }

    /** The submit is refused or failed: the transaction rolls back. Nothing after an {@link #end()}. */
    public void abandon() {
        if (!closed) {
            closed = true;
            queue.add(new Abandoned());
        }
    }

    /** Why the transaction stops storing: the feed was abandoned, or went quiet for longer than its patience. */
    static final class Abandon extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Abandon(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Calls {@code store} with each run as it arrives, in order, until the feed ends; throws {@link Abandon} when it is
     * abandoned or quiet for longer than {@code patience}, and when its runs do not add up to its total. Drained again
     * (its transaction retried), it first stores again every run it already gave, then goes on where it stopped.
     */
    void drain(RunStore store, Duration patience) {
        int received = 0;
        for (var run : taken) {
            store.store(run, received);
            received += run.size();
        }
        while (true) {
            var item = last instanceof End || last instanceof Abandoned ? last : next(patience);
            last = item;
            switch (item) {
                case Abandoned abandoned -> throw new Abandon("the submit was refused or failed");
                case End end -> {
                    if (received != total) {
                        throw new Abandon("the feed ended after " + received + " of " + total + " recipients");
                    }
                    return;
                }
                case Run run -> {
                    if (received + run.recipients().size() > total) {
                        throw new Abandon("the feed brought more than its " + total + " recipients");
                    }
                    // Kept before it is stored: a retry after this statement failed must store it too.
                    taken.add(run.recipients());
                    store.store(run.recipients(), received);
                    received += run.recipients().size();
                }
            }
        }
    }

    private Item next(Duration patience) {
        Item item;
        try {
            item = queue.poll(patience.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
            throw new Abandon("interrupted while waiting for recipients");
        }
        if (item == null) {
            throw new Abandon("no recipients arrived for " + patience);
        }
        return item;
    }

    /** Called by the draining thread once its transaction is over: an interrupt that abandoned it is set again. */
    void afterTransaction() {
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stores one run, whose first recipient is the feed's {@code offset}-th. */
    @FunctionalInterface
    interface RunStore {
        void store(List<NewRecipient> run, int offset);
    }
}
