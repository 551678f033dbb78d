package io.batchcall.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.CallEvent;
import io.batchcall.domain.Claim;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.NewRecipient;
import io.batchcall.domain.Outcome;
import io.batchcall.support.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A call's end can be stored before the dial request's answer (a provider's end callback, or a zero-length call's
 * end reported on another thread while the answer was on its way): the answer that comes after still records the
 * call's id and dial time, and changes nothing else.
 */
class AcceptedAfterEndTest {

    @Test
    void an_accepted_report_after_the_calls_end_records_its_call_id_and_dial_time_and_is_not_wanted() {
        var database = Database.connect(
                TestDatabase.freshDatabaseUrl(), Optional.of("postgres"), Optional.empty(), new SimpleMeterRegistry());
        var clock = Clock.systemUTC();
        var ids = IdSource.secure();
        var seed = StoreSeed.create(database, clock, ids, "late-accept", 10);
        seed.submit(
                database,
                clock,
                ids,
                List.of(
                        new NewRecipient("early", Optional.of("+14155550101"), Optional.empty(), Optional.empty()),
                        new NewRecipient("in-order", Optional.of("+14155550102"), Optional.empty(), Optional.empty())));
        var claims = new ClaimStore(database, clock, ids, "node-a", Duration.ofSeconds(30))
                .claim(seed.workspace(), number -> Optional.empty())
                .claims();
        assertThat(claims).hasSize(2);
        var early = claims.stream()
                .filter(c -> c.recipientId().equals("early"))
                .findFirst()
                .orElseThrow();
        var inOrder = claims.stream()
                .filter(c -> c.recipientId().equals("in-order"))
                .findFirst()
                .orElseThrow();
        var lifecycle = new AttemptLifecycle(database, clock, ids);
        var dialedAt = clock.instant().truncatedTo(ChronoUnit.MILLIS);

        lifecycle.apply(List.of(ended(early)));
        var result = lifecycle.apply(List.of(
                new CallEvent.Accepted(early.attempt(), "CA-early", dialedAt),
                new CallEvent.Accepted(inOrder.attempt(), "CA-in-order", dialedAt)));

        assertThat(result.acceptedAttemptIds())
                .containsExactly(inOrder.attempt().attemptId());
        record Row(String phase, String outcome, String callId, boolean dialed, String recipientStatus) {}
        var rows = database.jdbi()
                .withHandle(h -> h.createQuery("""
                                SELECT a.recipient_id, a.phase, a.outcome, a.provider_call_id,
                                       a.dialed_at = :dialedAt AS dialed, r.status
                                FROM attempts a
                                JOIN recipients r ON r.workspace_id = a.workspace_id AND r.batch_id = a.batch_id
                                                 AND r.id = a.recipient_id
                                WHERE a.workspace_id = :w ORDER BY a.recipient_id""")
                        .bind("w", seed.workspace().value())
                        .bind("dialedAt", Rows.at(dialedAt))
                        .map((rs, ctx) -> new Row(
                                rs.getString("phase"),
                                rs.getString("outcome"),
                                rs.getString("provider_call_id"),
                                rs.getBoolean("dialed"),
                                rs.getString("status")))
                        .list());
        assertThat(rows)
                .containsExactly(
                        new Row("ended", "completed", "CA-early", true, "completed"),
                        new Row("ringing", null, "CA-in-order", true, "initiated"));
        var initiated = database.jdbi()
                .withHandle(h -> h.createQuery("""
                                SELECT recipient_id FROM events
                                WHERE workspace_id = :w AND type = 'recipient.initiated'""")
                        .bind("w", seed.workspace().value())
                        .mapTo(String.class)
                        .list());
        assertThat(initiated).containsExactly("in-order");
        database.close();
    }

    private static CallEvent ended(Claim claim) {
        return new CallEvent.Ended(
                claim.attempt(), new Outcome.Completed(), Optional.of("completed"), Optional.empty(), true);
    }
}
