package io.batchcall.api;

import io.batchcall.domain.BatchSummary;
import io.batchcall.domain.NewBatch;
import io.batchcall.domain.NewRecipient;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.BatchStore;
import io.batchcall.store.IdempotencyClaim;
import io.batchcall.store.Idempotent;
import io.batchcall.store.RecipientFeed;
import io.batchcall.store.SuppressionStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;

/**
 * A large submit stored while its body is still being checked (issue 17). A 10,000-recipient submit spent about a
 * third of its time checking recipients (libphonenumber, client data) and two thirds in the INSERT of their rows,
 * one after the other. Here the transaction starts as soon as the first run of recipients is checked and the batch's
 * agent and number are found; each later run is inserted while the next is checked, so the two overlap.
 *
 * <p>What a user sees does not change: the transaction commits only once every recipient passed, and any problem
 * (a violation in a later run, a suppressed number under {@code "suppressed": "refuse"}) abandons it, rolls it back
 * and is answered exactly as before, with every violation of the body in one 422. The price is a database
 * connection held while the rest of the body is checked (about a tenth of a second at 10,000), so only lists of
 * {@link #FROM} recipients or more are streamed.
 */
final class StreamedSubmit {
    /** Smaller lists are checked whole, then stored: their check is too short to be worth a connection held. */
    static final int FROM = 2_000;
    /** Recipients checked, then inserted, at a time: large enough for the parallel check, small enough to overlap. */
    static final int RUN = 1_000;
    /**
     * Streamed submits at once. Each holds a connection while its body is checked and takes a second one for the
     * suppression look-up; a fifth of the pool (20) keeps both the look-ups and the dispatcher supplied, where
     * unbounded, enough concurrent large submits could hold every connection and wait for one more.
     */
    static final int AT_ONCE = 4;

    private final BatchStore batches;
    private final SuppressionStore suppressions;
    private final Semaphore permits = new Semaphore(AT_ONCE);
    private final Counter checkedWhole;

    StreamedSubmit(BatchStore batches, SuppressionStore suppressions, MeterRegistry meters) {
        this.batches = batches;
        this.suppressions = suppressions;
        // An operator whose large submits are slower than usual can see whether they were checked whole (a little
        // slower) because four were streaming.
        Gauge.builder("batchcall.submits.streaming", permits, p -> AT_ONCE - p.availablePermits())
                .description("Large submits this node is storing while it checks them (at most " + AT_ONCE + ")")
                .register(meters);
        this.checkedWhole = Counter.builder("batchcall.submits.checked.whole")
                .description("Large submits checked whole instead of streamed, because " + AT_ONCE
                        + " were streaming already")
                .register(meters);
    }

    /** Whether to stream a body whose other fields are read: valid so far, and a long list of recipients. */
    static boolean worthIt(JsonBody body, RecipientReader recipients) {
        return body.valid() && recipients.remaining() >= FROM;
    }

    /** What was stored, and how many of its recipients are suppressed (counted as a plain submit counts them). */
    record Stored(Idempotent<BatchSummary> result, int suppressed) {}

    /**
     * Stores {@code batch} (its recipients: the runs read so far) and the rest of {@code recipients} as they are
     * read; throws the body's 422, or the suppressed numbers' under refuse, after the transaction rolled back. When
     * {@link #AT_ONCE} are already streaming, reads the rest first and then stores it all, as a plain submit does.
     */
    Stored store(
            WorkspaceId workspace,
            JsonBody body,
            NewBatch batch,
            RecipientReader recipients,
            Optional<IdempotencyClaim> claim) {
        if (!permits.tryAcquire()) {
            checkedWhole.increment();
            var rest = recipients.rest();
            body.throwIfInvalid();
            var all = new ArrayList<NewRecipient>(batch.recipients());
            all.addAll(rest);
            int suppressed = SubmitSuppressions.check(body, suppressions, workspace, batch.agentId(), all);
            var feed = new RecipientFeed(rest.size());
            feed.add(rest);
            feed.end();
            return new Stored(batches.submit(workspace, batch, feed, claim), suppressed);
        }
        try {
            return streamed(workspace, body, batch, recipients, claim);
        } finally {
            permits.release();
        }
    }

    private Stored streamed(
            WorkspaceId workspace,
            JsonBody body,
            NewBatch batch,
            RecipientReader recipients,
            Optional<IdempotencyClaim> claim) {
        var feed = new RecipientFeed(recipients.remaining());
        var writing = new CompletableFuture<Idempotent<BatchSummary>>();
        Thread.ofVirtual().name("submit-writer").start(() -> {
            try {
                writing.complete(batches.submit(workspace, batch, feed, claim));
            } catch (Throwable e) {
                writing.completeExceptionally(e);
            }
        });
        var all = new ArrayList<NewRecipient>(batch.recipients());
        int suppressed;
        try {
            while (recipients.remaining() > 0) {
                var run = recipients.next(RUN);
                all.addAll(run);
                if (body.valid()) {
                    feed.add(run);
                } else {
                    // The answer is a 422 now; the rest is read only for its violations.
                    feed.abandon();
                }
            }
            body.throwIfInvalid();
            suppressed = SubmitSuppressions.check(body, suppressions, workspace, batch.agentId(), all);
            feed.end();
        } catch (Throwable e) {
            // Any throwable (rethrown as precisely as it was thrown): a feed left open holds its transaction's
            // connection and locks until its patience runs out.
            feed.abandon();
            // Answered once the transaction has rolled back: a client that retries at once meets nothing of it.
            writing.handle((result, failure) -> null).join();
            throw e;
        }
        return new Stored(written(writing), suppressed);
    }

    private static <T> T written(CompletableFuture<T> writing) {
        try {
            return writing.join();
        } catch (CompletionException e) {
            switch (e.getCause()) {
                case RuntimeException cause -> throw cause;
                case Error cause -> throw cause;
                default -> throw e;
            }
        }
    }
}
