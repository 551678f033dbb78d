package io.batchcall.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.ApiKeySecret;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.support.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A poller that follows the pull feed's cursor sees every committed event exactly once, however the transactions
 * that wrote them interleave: an event whose seq is lower than one already shown, because its transaction committed
 * later, is not passed by.
 */
class PullFeedCommitOrderTest {
    private final Clock clock = Clock.systemUTC();
    private final Outbox outbox = new Outbox(IdSource.secure());
    private Database database;
    private DeliveryLog log;
    private WorkspaceId workspace;
    private DeliveryLog.FeedPosition cursor = DeliveryLog.FeedPosition.START;
    private final List<String> seen = new ArrayList<>();

    @BeforeEach
    void workspace() {
        database = Database.connect(
                TestDatabase.freshDatabaseUrl(), Optional.of("postgres"), Optional.empty(), new SimpleMeterRegistry());
        log = new DeliveryLog(database, clock);
        workspace = new WorkspaceStore(database, clock, IdSource.secure())
                .createWithApiKey("feed", 10, ApiKeySecret.generate(IdSource.secure()))
                .workspace()
                .id();
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void an_event_with_a_lower_seq_that_commits_after_a_higher_one_is_still_seen() {
        try (var slow = database.jdbi().open();
                var fast = database.jdbi().open()) {
            slow.begin();
            append(slow, "slow");
            fast.begin();
            append(fast, "fast");
            fast.commit();

            poll();
            assertThat(seen)
                    .as("nothing is shown while a transaction that wrote before it is open")
                    .isEmpty();

            slow.commit();
            poll();
        }

        assertThat(seen).containsExactly("slow", "fast");
        assertThat(seqOf("slow")).isLessThan(seqOf("fast"));
    }

    @Test
    void an_event_written_late_by_a_transaction_that_began_first_is_seen_after_the_ones_shown_before_it() {
        try (var early = database.jdbi().open();
                var other = database.jdbi().open()) {
            early.begin();
            // The transaction's id is taken by its first write, well before its event is.
            early.createQuery("SELECT pg_current_xact_id()::text")
                    .mapTo(String.class)
                    .one();
            other.begin();
            append(other, "other");
            other.commit();
            poll();
            append(early, "early");
            early.commit();
            poll();
            append(database.jdbi().open(), "after");
            poll();
        }

        assertThat(seen).containsExactlyInAnyOrder("early", "other", "after").doesNotHaveDuplicates();
        assertThat(seen.getLast()).isEqualTo("after");
    }

    @Test
    void every_event_committed_by_transactions_interleaved_with_polls_is_seen_exactly_once() {
        var open = new ArrayList<Handle>();
        var written = new ArrayList<String>();
        try {
            for (int round = 0; round < 6; round++) {
                var handle = database.jdbi().open();
                handle.begin();
                append(handle, "event-" + round);
                written.add("event-" + round);
                open.add(handle);
                // Commit every other transaction out of order: the newest first, the older ones later.
                if (round % 2 == 1) {
                    open.removeLast().commit();
                }
                poll();
            }
            while (!open.isEmpty()) {
                open.removeFirst().commit();
                poll();
            }
        } finally {
            open.forEach(Handle::close);
        }
        poll();

        assertThat(seen).containsExactlyInAnyOrderElementsOf(written).doesNotHaveDuplicates();
    }

    private void append(Handle handle, String recipient) {
        boolean autocommit = !handle.isInTransaction();
        outbox.append(
                handle,
                List.of(new Outbox.Event(
                        workspace,
                        "recipient.dispatched",
                        Outbox.recipientKey("batch", recipient),
                        "batch",
                        recipient,
                        null,
                        null,
                        Map.of("recipient_id", recipient))),
                clock.instant());
        if (autocommit) {
            handle.close();
        }
    }

    /** One poll as a client makes it: the page after the cursor, and the cursor moved to its last event. */
    private void poll() {
        var page = log.events(workspace, cursor, List.of(), Optional.empty(), 100);
        page.forEach(event -> seen.add(event.recipientId().orElseThrow()));
        if (!page.isEmpty()) {
            cursor = page.getLast().position();
        }
    }

    private long seqOf(String recipient) {
        return database.jdbi()
                .withHandle(handle -> handle.createQuery("SELECT seq FROM events WHERE recipient_id = :r")
                        .bind("r", recipient)
                        .mapTo(Long.class)
                        .one());
    }
}
