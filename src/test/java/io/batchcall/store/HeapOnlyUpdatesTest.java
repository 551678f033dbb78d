package io.batchcall.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.CallEvent;
import io.batchcall.domain.Claim;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.Outcome;
import io.batchcall.support.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The moves of a call after its claim write no index entry where they change no indexed value: PostgreSQL writes
 * them as heap-only (HOT) versions, on the row's own page (V161, V162). Read from the pages themselves (pageinspect): a
 * row's current version carries the heap-only flag when the update that wrote it was one.
 */
class HeapOnlyUpdatesTest {
    /** {@code HEAP_ONLY_TUPLE} in a version's {@code t_infomask2}. */
    private static final int HEAP_ONLY = 0x8000;

    private final Clock clock = Clock.systemUTC();
    private Database database;
    private List<Claim> claims;
    private AttemptLifecycle lifecycle;

    @BeforeEach
    void fourCallsClaimed() {
        database = Database.connect(
                TestDatabase.freshDatabaseUrl(), Optional.of("postgres"), Optional.empty(), new SimpleMeterRegistry());
        database.jdbi().useHandle(h -> h.execute("CREATE EXTENSION pageinspect"));
        var ids = IdSource.secure();
        var seed = StoreSeed.create(database, clock, ids, "heap-only", 20);
        seed.submit(database, clock, ids, StoreSeed.lettered("a", "b", "c", "d"));
        claims = new ClaimStore(database, clock, ids, "node-a", Duration.ofSeconds(30))
                .claim(seed.workspace(), number -> Optional.empty())
                .claims();
        assertThat(claims).hasSize(4);
        lifecycle = new AttemptLifecycle(database, clock, ids);
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void a_calls_moves_after_its_claim_rewrite_no_index_where_no_indexed_value_changes() {
        assertThat(heapOnly("recipients"))
                .as("the claim took them out of the pending recipients' index: not heap-only")
                .containsOnly(
                        Map.entry("a", false), Map.entry("b", false), Map.entry("c", false), Map.entry("d", false));

        lifecycle.apply(claims.stream()
                .map(claim -> (CallEvent)
                        new CallEvent.Accepted(claim.attempt(), "call-" + claim.recipientId(), clock.instant()))
                .toList());

        assertThat(heapOnly("recipients"))
                .as("initiated, with their conversations shown: no index reads status or the conversation")
                .containsOnly(Map.entry("a", true), Map.entry("b", true), Map.entry("c", true), Map.entry("d", true));
        assertThat(heapOnly("attempts"))
                .as("the call's id is indexed (provider callbacks find their attempt by it): not heap-only")
                .containsValue(false)
                .doesNotContainValue(true);

        lifecycle.apply(claims.stream()
                .map(claim -> (CallEvent) new CallEvent.Answered(claim.attempt()))
                .toList());

        assertThat(heapOnly("recipients")).as("in progress").doesNotContainValue(false);
        assertThat(heapOnly("attempts"))
                .as("answered: the index of attempts in flight reads their lease, not their phase")
                .hasSize(4)
                .doesNotContainValue(false);
        assertThat(heapOnly("conversations"))
                .as("in progress, answered")
                .hasSize(4)
                .doesNotContainValue(false);

        lifecycle.apply(claims.stream()
                .map(claim -> (CallEvent) new CallEvent.Ended(
                        claim.attempt(), new Outcome.Completed(), Optional.of("completed"), Optional.of(200), true))
                .toList());

        assertThat(heapOnly("recipients"))
                .as("completed: the final status is no indexed value either")
                .containsOnly(Map.entry("a", true), Map.entry("b", true), Map.entry("c", true), Map.entry("d", true));
        assertThat(count("SELECT count(*) FROM recipients WHERE status = 'completed' AND NOT pending"))
                .isEqualTo(4);
        assertThat(count("SELECT count(*) FROM attempts WHERE phase = 'ended' AND lease_expires_at IS NULL"))
                .as("an ended attempt holds no lease: the index of attempts in flight no longer has it")
                .isEqualTo(4);
        assertThat(count("SELECT count(*) FROM post_call_queue"))
                .as("answered calls wait for their post-call event in the queue, not in an index of conversations")
                .isEqualTo(4);

        // Whether an update is heap-only also depends on room on its page, which old versions take until they are
        // pruned (when no snapshot can see them): that happens on its own schedule. Pruned first, the send's update
        // is heap-only exactly when it changes no indexed column, which is what this checks.
        database.jdbi().useHandle(h -> h.execute("VACUUM conversations"));
        assertThat(new PostCallTranscriptions(database, clock, IdSource.secure()).appendDue(Duration.ZERO, 10))
                .isEqualTo(4);

        assertThat(heapOnly("conversations"))
                .as("the post-call event sent (V162): no index reads post_call_pending")
                .hasSize(4)
                .doesNotContainValue(false);
        assertThat(count("SELECT count(*) FROM post_call_queue")).isZero();
    }

    @Test
    void an_ended_attempt_that_would_keep_its_lease_is_refused() {
        var attempt = claims.getFirst().attempt();

        var refused = org.assertj.core.api.Assertions.catchThrowable(() -> database.jdbi()
                .useHandle(h -> h.createUpdate("UPDATE attempts SET phase = 'ended' WHERE id = :id")
                        .bind("id", attempt.attemptId())
                        .execute()));

        assertThat(refused).hasMessageContaining("attempts_ended_without_lease");
        assertThat(count("SELECT count(*) FROM attempts WHERE phase = 'ended'")).isZero();
    }

    /**
     * Whether each row's current version (by its recipient's id) was written by a heap-only update. A version left
     * by an update that was not heap-only, or by the insert, is not flagged.
     */
    private Map<String, Boolean> heapOnly(String table) {
        var recipientColumn = table.equals("recipients") ? "t.id" : "t.recipient_id";
        return database.jdbi()
                .withHandle(h -> h
                        .createQuery("""
                        SELECT %s AS recipient, (p.t_infomask2 & :heapOnly) <> 0 AS heap_only
                        FROM %s t,
                             LATERAL heap_page_items(get_raw_page('%s', (t.ctid::text::point)[0]::integer)) p
                        WHERE p.lp = (t.ctid::text::point)[1]::integer""".formatted(recipientColumn, table, table))
                        .bind("heapOnly", HEAP_ONLY)
                        .map((rs, ctx) -> Map.entry(rs.getString("recipient"), rs.getBoolean("heap_only")))
                        .list()
                        .stream()
                        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
    }

    private int count(String sql) {
        return database.jdbi()
                .withHandle(h -> h.createQuery(sql).mapTo(Integer.class).one());
    }
}
