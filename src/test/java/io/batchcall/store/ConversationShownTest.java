package io.batchcall.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.CallEvent;
import io.batchcall.domain.Claim;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.NewRecipient;
import io.batchcall.support.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A recipient shows the conversation of the call that reached its provider: written by the status move the call
 * makes in the same group, or on its own when the recipient does not move (its status is already past it).
 */
class ConversationShownTest {

    @Test
    void a_recipient_shows_its_calls_conversation_whether_the_report_moved_it_or_came_after_a_later_one() {
        var database = Database.connect(
                TestDatabase.freshDatabaseUrl(), Optional.of("postgres"), Optional.empty(), new SimpleMeterRegistry());
        var clock = Clock.systemUTC();
        var ids = IdSource.secure();
        var seed = StoreSeed.create(database, clock, ids, "shown", 10);
        seed.submit(
                database,
                clock,
                ids,
                List.of(
                        new NewRecipient("accepted", Optional.of("+14155550111"), Optional.empty(), Optional.empty()),
                        new NewRecipient("answered", Optional.of("+14155550112"), Optional.empty(), Optional.empty()),
                        new NewRecipient(
                                "all-at-once", Optional.of("+14155550113"), Optional.empty(), Optional.empty()),
                        new NewRecipient("unmoved", Optional.of("+14155550114"), Optional.empty(), Optional.empty())));
        var claims = new ClaimStore(database, clock, ids, "node-a", Duration.ofSeconds(30))
                .claim(seed.workspace(), number -> Optional.empty())
                .claims();
        assertThat(claims).hasSize(4);
        var lifecycle = new AttemptLifecycle(database, clock, ids);
        var unmoved = claim(claims, "unmoved");
        database.jdbi()
                .useHandle(h ->
                        h.createUpdate("""
                        UPDATE recipients SET status = 'cancelled'
                        WHERE workspace_id = :w AND id = 'unmoved'""").bind("w", seed.workspace().value()).execute());

        // Accepted alone; answered without an acceptance (a provider that reports none); accepted, answered and
        // ended in one group; and one whose recipient was cancelled meanwhile, so that its acceptance moves nothing.
        lifecycle.apply(List.of(
                accepted(claim(claims, "accepted")),
                new CallEvent.Answered(claim(claims, "answered").attempt()),
                accepted(claim(claims, "all-at-once")),
                new CallEvent.Answered(claim(claims, "all-at-once").attempt()),
                new CallEvent.Ended(
                        claim(claims, "all-at-once").attempt(),
                        new io.batchcall.domain.Outcome.Completed(),
                        Optional.of("completed"),
                        Optional.empty(),
                        true),
                accepted(unmoved)));
        // A late acceptance after the answer, in a group of its own: the recipient stays in progress.
        lifecycle.apply(List.of(accepted(claim(claims, "answered"))));

        record Row(String recipient, String status, boolean showsItsConversation, boolean conversationExists) {}
        var rows = database.jdbi()
                .withHandle(h -> h.createQuery("""
                                SELECT r.id, r.status, r.conversation_id = a.conversation_id AS shows,
                                       EXISTS (SELECT 1 FROM conversations c
                                               WHERE c.workspace_id = a.workspace_id
                                                 AND c.id = a.conversation_id) AS exists
                                FROM attempts a
                                JOIN recipients r ON r.workspace_id = a.workspace_id AND r.batch_id = a.batch_id
                                                 AND r.id = a.recipient_id
                                WHERE a.workspace_id = :w ORDER BY r.id""")
                        .bind("w", seed.workspace().value())
                        .map((rs, ctx) -> new Row(
                                rs.getString("id"),
                                rs.getString("status"),
                                rs.getBoolean("shows"),
                                rs.getBoolean("exists")))
                        .list());
        assertThat(rows)
                .containsExactly(
                        new Row("accepted", "initiated", true, true),
                        new Row("all-at-once", "completed", true, true),
                        new Row("answered", "in_progress", true, true),
                        new Row("unmoved", "cancelled", true, true));
        // The moves' events carry the recipient as the move left it: with its conversation.
        record Shown(String recipient, String type, String conversationId, String attemptsConversationId) {}
        var events = database.jdbi()
                .withHandle(h -> h.createQuery("""
                                SELECT e.recipient_id, e.type, e.body::jsonb -> 'data' -> 'recipient' ->> 'conversation_id' AS c,
                                       a.conversation_id
                                FROM events e
                                JOIN attempts a ON a.workspace_id = e.workspace_id AND a.recipient_id = e.recipient_id
                                WHERE e.workspace_id = :w AND e.type IN ('recipient.initiated', 'recipient.in_progress')
                                ORDER BY e.seq""")
                        .bind("w", seed.workspace().value())
                        .map((rs, ctx) -> new Shown(
                                rs.getString("recipient_id"),
                                rs.getString("type"),
                                rs.getString("c"),
                                rs.getString("conversation_id")))
                        .list());
        assertThat(events)
                .extracting(Shown::recipient, Shown::type)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("accepted", "recipient.initiated"),
                        org.assertj.core.groups.Tuple.tuple("answered", "recipient.in_progress"),
                        org.assertj.core.groups.Tuple.tuple("all-at-once", "recipient.initiated"),
                        org.assertj.core.groups.Tuple.tuple("all-at-once", "recipient.in_progress"));
        assertThat(events).allSatisfy(e -> assertThat(e.conversationId()).isEqualTo(e.attemptsConversationId()));
        database.close();
    }

    private static Claim claim(List<Claim> claims, String recipientId) {
        return claims.stream()
                .filter(c -> c.recipientId().equals(recipientId))
                .findFirst()
                .orElseThrow();
    }

    private static CallEvent accepted(Claim claim) {
        return new CallEvent.Accepted(
                claim.attempt(), "CA-" + claim.recipientId(), Clock.systemUTC().instant());
    }
}
