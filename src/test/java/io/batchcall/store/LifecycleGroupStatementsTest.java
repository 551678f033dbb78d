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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * A call-event group's time is its statements' count more than their rows (each is a round trip to PostgreSQL while
 * every report of the writer waits): the writer reads and writes nothing twice, and skips what a group has no use
 * for. These tests count the statements of a group while checking that it still records everything it did with
 * more.
 */
class LifecycleGroupStatementsTest {
    private final Clock clock = Clock.systemUTC();
    private StatementLog log;
    private Database database;
    private Map<String, Claim> claims;
    private AttemptLifecycle lifecycle;

    @BeforeEach
    void fourCallsClaimedFromALargerBatch() {
        database = Database.connect(
                TestDatabase.freshDatabaseUrl(), Optional.of("postgres"), Optional.empty(), new SimpleMeterRegistry());
        var ids = IdSource.secure();
        var seed = StoreSeed.create(database, clock, ids, "group-statements", 20);
        // Six recipients, of which four are called here: the batch does not complete in the groups counted.
        seed.submit(database, clock, ids, StoreSeed.lettered("a", "b", "c", "d", "e", "f"));
        claims = new ClaimStore(database, clock, ids, "node-a", Duration.ofSeconds(30))
                .claim(seed.workspace(), number -> Optional.empty()).claims().stream()
                        .filter(claim -> "abcd".contains(claim.recipientId()))
                        .collect(Collectors.toMap(Claim::recipientId, claim -> claim));
        assertThat(claims).hasSize(4);
        lifecycle = new AttemptLifecycle(database, clock, ids);
        log = StatementLog.of(database);
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void calls_accepted_answered_and_ended_in_one_group_are_recorded_in_thirteen_statements() throws Exception {
        var group = new ArrayList<CallEvent>();
        claims.values().forEach(claim -> group.add(accepted(claim)));
        claims.values().forEach(claim -> group.add(new CallEvent.Answered(claim.attempt())));
        claims.values().forEach(claim -> group.add(ended(claim, new Outcome.Completed())));
        try (var listener = database.jdbi().open()) {
            listener.execute("LISTEN " + Notifications.WAKE);
            log.clear();

            var result = lifecycle.apply(group);

            assertThat(result.endedAttemptIds()).hasSize(4);
            assertThat(listener.getConnection().unwrap(PGConnection.class).getNotifications(10_000))
                    .as("the freed slots wake the dispatchers, once")
                    .extracting(PGNotification::getName)
                    .containsExactly(Notifications.WAKE);
        }
        assertThat(log.statements())
                .as("the group's statements (22, then 15 before): the batch's counts read once, conversations"
                        + " opened once and moved by the statements that answer and end their attempts, the slots,"
                        + " verdicts and retry policies in the statement that ends the attempts, no read of failures"
                        + " nobody had, the batch row written once, the dispatchers woken by it; and the planner's"
                        + " setting (AttemptLifecycle.planWithoutValues)")
                .hasSizeLessThanOrEqualTo(13)
                .first()
                .isEqualTo("SET LOCAL plan_cache_mode = force_generic_plan");
        assertThat(recipientStatuses())
                .containsEntry("a", "completed")
                .containsEntry("b", "completed")
                .containsEntry("c", "completed")
                .containsEntry("d", "completed");
        assertThat(eventTypes("recipient.initiated")).isEqualTo(4);
        assertThat(eventTypes("recipient.in_progress")).isEqualTo(4);
        assertThat(eventTypes("recipient.completed")).isEqualTo(4);
        assertThat(closedConversations()).isEqualTo(4);
        assertThat(slotsFreedForTheNextClaim()).isEqualTo(4);
    }

    @Test
    void a_group_of_ends_opens_only_the_conversations_not_opened_yet_and_reads_only_the_failures_it_has() {
        // a and b answered (b by a machine), c rang out; d's end comes before its dial's answer.
        lifecycle.apply(List.of(
                accepted(claims.get("a")),
                accepted(claims.get("b")),
                accepted(claims.get("c")),
                new CallEvent.Answered(claims.get("a").attempt()),
                new CallEvent.Answered(claims.get("b").attempt()),
                new CallEvent.MachineDetected(claims.get("b").attempt(), "machine_end_beep")));
        assertThat(openConversations()).isEqualTo(3);
        log.clear();

        lifecycle.apply(List.of(
                ended(claims.get("a"), new Outcome.Completed()),
                ended(claims.get("b"), new Outcome.Completed()),
                ended(claims.get("c"), new Outcome.NoAnswer()),
                ended(claims.get("d"), new Outcome.Completed())));

        assertThat(log.statements())
                .as("the group's statements (16, then 12 before): one conversation insert and close (d's), the"
                        + " others closed by the statement that ends the attempts, one read of the failures (c's),"
                        + " nothing read or written apart for the verdicts, the slots or the retry policies; and the"
                        + " planner's setting")
                .hasSizeLessThanOrEqualTo(12);
        assertThat(log.statements().stream().filter(s -> s.startsWith("INSERT INTO conversations")))
                .hasSize(1);
        assertThat(log.statements().stream().filter(LifecycleGroupStatementsTest::updatesConversations))
                .as("d's close, after its insert")
                .hasSize(1);
        assertThat(recipientStatuses())
                .containsEntry("a", "completed")
                // A completed call the machine answered ends as a voicemail, read from the locked attempt.
                .containsEntry("b", "voicemail")
                .containsEntry("c", "failed")
                .containsEntry("d", "completed");
        assertThat(attemptOutcome("b")).isEqualTo("voicemail");
        assertThat(closedConversations()).isEqualTo(4);
        assertThat(recipientsShowingTheirConversation()).isEqualTo(4);
        assertThat(slotsFreedForTheNextClaim()).isEqualTo(4);
        assertThat(eventRecipients("call_initiation_failure")).containsExactly("c");
        assertThat(eventRecipients("recipient.voicemail")).containsExactly("b");
    }

    @Test
    void answers_move_the_conversations_there_are_in_their_own_statement_and_open_the_others() {
        lifecycle.apply(List.of(accepted(claims.get("a")), accepted(claims.get("b")), accepted(claims.get("c"))));
        log.clear();

        lifecycle.apply(List.of(
                new CallEvent.Answered(claims.get("a").attempt()),
                new CallEvent.Answered(claims.get("b").attempt()),
                new CallEvent.Answered(claims.get("c").attempt())));

        assertThat(log.statements())
                .as("the group's statements (9 before): no insert of the conversations there are, no update of"
                        + " them apart from the statement that answers their attempts; and the planner's setting")
                .hasSizeLessThanOrEqualTo(8)
                .noneMatch(s -> s.startsWith("INSERT INTO conversations") || updatesConversations(s));
        assertThat(conversationsInProgress()).containsExactlyInAnyOrder("a", "b", "c");
        assertThat(recipientStatuses())
                .containsEntry("a", "in_progress")
                .containsEntry("b", "in_progress")
                .containsEntry("c", "in_progress");
        assertThat(eventRecipients("recipient.in_progress")).containsExactly("a", "b", "c");

        // d's answer is reported before its dial's acceptance was recorded: its conversation is opened by the answer.
        lifecycle.apply(List.of(new CallEvent.Answered(claims.get("d").attempt())));

        assertThat(conversationsInProgress()).containsExactlyInAnyOrder("a", "b", "c", "d");
        assertThat(recipientStatuses()).containsEntry("d", "in_progress");
        assertThat(recipientsShowingTheirConversation()).isEqualTo(4);
    }

    private CallEvent.Accepted accepted(Claim claim) {
        return new CallEvent.Accepted(claim.attempt(), "call-" + claim.recipientId(), clock.instant());
    }

    private static CallEvent.Ended ended(Claim claim, Outcome outcome) {
        return new CallEvent.Ended(claim.attempt(), outcome, Optional.of(outcome.wireName()), Optional.of(200), true);
    }

    private Map<String, String> recipientStatuses() {
        return database
                .jdbi()
                .withHandle(h -> h.createQuery("SELECT id, status FROM recipients")
                        .map((rs, ctx) -> Map.entry(rs.getString("id"), rs.getString("status")))
                        .list())
                .stream()
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    private String attemptOutcome(String recipientId) {
        return database.jdbi()
                .withHandle(h -> h.createQuery("SELECT outcome FROM attempts WHERE recipient_id = :r")
                        .bind("r", recipientId)
                        .mapTo(String.class)
                        .one());
    }

    /** The recipients whose conversations are in progress, answered. */
    private List<String> conversationsInProgress() {
        return database.jdbi()
                .withHandle(h -> h.createQuery("""
                                SELECT recipient_id FROM conversations
                                WHERE status = 'in-progress' AND call_result = 'answered' AND ended_at IS NULL""").mapTo(String.class).list());
    }

    private int openConversations() {
        return count("SELECT count(*) FROM conversations WHERE ended_at IS NULL");
    }

    private int closedConversations() {
        return count("SELECT count(*) FROM conversations WHERE ended_at IS NOT NULL");
    }

    private int recipientsShowingTheirConversation() {
        return count("""
                SELECT count(*) FROM recipients r
                JOIN attempts a ON a.workspace_id = r.workspace_id AND a.recipient_id = r.id
                JOIN conversations c ON c.workspace_id = a.workspace_id AND c.id = a.conversation_id
                WHERE r.conversation_id = c.id""");
    }

    /** The slots the ends appended to {@code in_flight_releases}: no claim has folded them yet. */
    private int slotsFreedForTheNextClaim() {
        return count("SELECT coalesce(sum(released), 0)::integer FROM in_flight_releases");
    }

    private int eventTypes(String type) {
        return eventRecipients(type).size();
    }

    private List<String> eventRecipients(String type) {
        return database.jdbi()
                .withHandle(h -> h.createQuery("SELECT recipient_id FROM events WHERE type = :type ORDER BY 1")
                        .bind("type", type)
                        .mapTo(String.class)
                        .list());
    }

    private int count(String sql) {
        return database.jdbi()
                .withHandle(h -> h.createQuery(sql).mapTo(Integer.class).one());
    }

    /** A statement of its own that updates conversations (a close queues them in the same statement, V162). */
    private static boolean updatesConversations(String statement) {
        return statement.startsWith("UPDATE conversations")
                || statement.startsWith("WITH closed AS (UPDATE conversations");
    }
}
