package io.batchcall.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.batchcall.domain.NewRecipient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RecipientFeedTest {
    private static final Duration PATIENCE = Duration.ofSeconds(5);

    private static List<NewRecipient> run(int from, int count) {
        return IntStream.range(from, from + count)
                .mapToObj(i -> new NewRecipient(
                        "r-" + i,
                        Optional.of("+1415200" + String.format("%04d", i)),
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty()))
                .toList();
    }

    /** What the transaction would insert: each run's ids with the offset it was stored at. */
    private static List<String> drained(RecipientFeed feed, Duration patience) {
        var stored = new ArrayList<String>();
        feed.drain(
                (run, offset) -> stored.add(offset + ":" + run.getFirst().id() + ".."
                        + run.getLast().id()),
                patience);
        return stored;
    }

    @Test
    void an_interrupted_drain_is_abandoned_and_its_interrupt_is_set_again_only_after_the_transaction()
            throws InterruptedException {
        var feed = new RecipientFeed(3);
        var thrown = new java.util.concurrent.atomic.AtomicReference<RuntimeException>();
        var interruptedDuring = new java.util.concurrent.atomic.AtomicBoolean(true);
        var interruptedAfter = new java.util.concurrent.atomic.AtomicBoolean(false);
        // Interrupted before or while it waits: either way its wait for a run ends at once.
        var drainer = Thread.ofVirtual().unstarted(() -> {
            try {
                feed.drain((run, offset) -> {}, PATIENCE);
            } catch (RuntimeException e) {
                thrown.set(e);
            }
            // Here the transaction rolls back: it must still be able to talk to the database.
            interruptedDuring.set(Thread.currentThread().isInterrupted());
            feed.afterTransaction();
            interruptedAfter.set(Thread.currentThread().isInterrupted());
        });
        drainer.start();
        drainer.interrupt();
        drainer.join();

        assertThat(thrown.get()).isInstanceOf(RecipientFeed.Abandon.class);
        assertThat(interruptedDuring).isFalse();
        assertThat(interruptedAfter).isTrue();
    }

    @Test
    void runs_arrive_in_order_each_with_its_offset_in_the_feed() {
        var feed = new RecipientFeed(5);
        feed.add(run(0, 2));
        feed.add(run(2, 3));
        feed.end();

        assertThat(drained(feed, PATIENCE)).containsExactly("0:r-0..r-1", "2:r-2..r-4");
    }

    @Test
    void a_feed_with_nothing_to_come_is_drained_at_once() {
        assertThat(drained(RecipientFeed.none(), PATIENCE)).isEmpty();
    }

    @Test
    void an_abandoned_feed_stops_the_transaction_after_the_runs_before_it() {
        var feed = new RecipientFeed(4);
        feed.add(run(0, 2));
        feed.abandon();
        var stored = new ArrayList<Integer>();

        assertThatThrownBy(() -> feed.drain((run, offset) -> stored.add(offset), PATIENCE))
                .isInstanceOf(RecipientFeed.Abandon.class)
                .hasMessageContaining("refused or failed");
        assertThat(stored).containsExactly(0);
    }

    @Test
    void abandoning_after_the_end_changes_nothing_and_adding_after_it_is_refused() {
        var feed = new RecipientFeed(1);
        feed.add(run(0, 1));
        feed.end();
        feed.abandon();

        assertThat(drained(feed, PATIENCE)).containsExactly("0:r-0..r-0");
        assertThatThrownBy(() -> feed.add(run(1, 1))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void a_feed_that_ends_short_of_its_total_or_brings_more_is_abandoned() {
        var short_ = new RecipientFeed(3);
        short_.add(run(0, 2));
        short_.end();
        assertThatThrownBy(() -> drained(short_, PATIENCE))
                .isInstanceOf(RecipientFeed.Abandon.class)
                .hasMessage("the feed ended after 2 of 3 recipients");

        var long_ = new RecipientFeed(1);
        long_.add(run(0, 2));
        long_.end();
        assertThatThrownBy(() -> drained(long_, PATIENCE))
                .isInstanceOf(RecipientFeed.Abandon.class)
                .hasMessage("the feed brought more than its 1 recipients");
    }

    @Test
    void a_feed_that_goes_quiet_past_its_patience_is_abandoned() {
        var feed = new RecipientFeed(2);
        feed.add(run(0, 1));

        assertThatThrownBy(() -> drained(feed, Duration.ofMillis(1)))
                .isInstanceOf(RecipientFeed.Abandon.class)
                .hasMessageStartingWith("no recipients arrived for");
    }

    @Test
    void drained_again_after_a_failed_try_it_gives_every_run_again_at_the_same_offsets_then_the_rest() {
        var feed = new RecipientFeed(6);
        feed.add(run(0, 2));
        feed.add(run(2, 2));
        var tries = new ArrayList<String>();
        // The transaction's first try fails on its second run's statement (a deadlock, say); the runner retries it.
        assertThatThrownBy(() -> feed.drain(
                        (run, offset) -> {
                            if (offset == 2) {
                                throw new IllegalStateException("deadlock detected");
                            }
                            tries.add(offset + ":" + run.getFirst().id());
                        },
                        PATIENCE))
                .hasMessage("deadlock detected");
        feed.add(run(4, 2));
        feed.end();

        assertThat(tries).containsExactly("0:r-0");
        assertThat(drained(feed, PATIENCE)).containsExactly("0:r-0..r-1", "2:r-2..r-3", "4:r-4..r-5");
    }

    @Test
    void drained_again_after_its_end_it_gives_its_runs_again_and_ends_without_waiting() {
        var feed = new RecipientFeed(2);
        feed.add(run(0, 2));
        feed.end();
        assertThat(drained(feed, PATIENCE)).containsExactly("0:r-0..r-1");

        // A patience of a millisecond: a second drain that waited for an end already taken would be abandoned.
        assertThat(drained(feed, Duration.ofMillis(1))).containsExactly("0:r-0..r-1");
        assertThat(drained(RecipientFeed.none(), PATIENCE)).isEmpty();
        var none = RecipientFeed.none();
        drained(none, PATIENCE);
        assertThat(drained(none, Duration.ofMillis(1))).isEmpty();
    }

    @Test
    void drained_again_after_it_was_abandoned_it_is_abandoned_again() {
        var feed = new RecipientFeed(4);
        feed.add(run(0, 2));
        feed.abandon();
        assertThatThrownBy(() -> drained(feed, PATIENCE)).isInstanceOf(RecipientFeed.Abandon.class);

        assertThatThrownBy(() -> drained(feed, Duration.ofMillis(1)))
                .isInstanceOf(RecipientFeed.Abandon.class)
                .hasMessageContaining("refused or failed");
    }
}
