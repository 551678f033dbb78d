package io.batchcall.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.domain.BatchRef;
import io.batchcall.domain.CallEvent;
import io.batchcall.domain.Claim;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.NewRecipient;
import io.batchcall.domain.Outcome;
import io.batchcall.support.TestDatabase;
import io.batchcall.wire.WireJson;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The call-event writer builds each recipient event from the rows its statements returned (the recipient's
 * update, the attempt's), not from reads of them: after every group, each event it wrote must show the recipient
 * and the attempt exactly as a read of them right after that group does.
 */
class LifecycleEventsFromRowsTest {
    private final Clock clock = Clock.systemUTC();
    private Database database;
    private StoreSeed seed;
    private List<Claim> claims;
    private AttemptLifecycle lifecycle;

    @BeforeEach
    void threeCallsClaimed() {
        database = Database.connect(
                TestDatabase.freshDatabaseUrl(), Optional.of("postgres"), Optional.empty(), new SimpleMeterRegistry());
        var ids = IdSource.secure();
        seed = StoreSeed.create(database, clock, ids, "writer-events", 10);
        seed.submit(
                database,
                clock,
                ids,
                List.of(
                        new NewRecipient("a", Optional.of("+14155550101"), Optional.empty(), Optional.empty()),
                        new NewRecipient(
                                "b",
                                Optional.of("+14155550102"),
                                Optional.empty(),
                                Optional.of("{\"dynamic_variables\":{\"name\":\"Grace\"}}")),
                        new NewRecipient("c", Optional.of("+14155550103"), Optional.empty(), Optional.empty())));
        claims = new ClaimStore(database, clock, ids, "node-a", Duration.ofSeconds(30))
                .claim(seed.workspace(), number -> Optional.empty())
                .claims();
        assertThat(claims).hasSize(3);
        lifecycle = new AttemptLifecycle(database, clock, ids);
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void initiated_in_progress_and_final_events_show_the_recipient_and_attempt_as_a_read_after_their_group_does() {
        applyAndCompare(
                "recipient.initiated",
                "dispatched",
                claim -> new CallEvent.Accepted(claim.attempt(), "call-" + claim.recipientId(), clock.instant()));
        applyAndCompare("recipient.in_progress", "initiated", claim -> new CallEvent.Answered(claim.attempt()));
        applyAndCompare(
                "recipient.completed",
                "in_progress",
                claim -> new CallEvent.Ended(
                        claim.attempt(), new Outcome.Completed(), Optional.of("completed"), Optional.of(200), true));
    }

    /** Applies one event per claim as one group, then compares each event of {@code type} with a fresh read. */
    private void applyAndCompare(String type, String previous, Function<Claim, CallEvent> event) {
        lifecycle.apply(claims.stream().map(event).toList());

        var reread = database.jdbi()
                .withHandle(h -> LifecycleEvents.recipientEvents(
                        h,
                        claims.stream()
                                .map(claim -> new LifecycleEvents.RecipientMove(
                                        new BatchRef(seed.workspace(), claim.batchId()),
                                        claim.recipientId(),
                                        previous,
                                        Optional.of(claim.attempt())))
                                .toList()));
        assertThat(reread).hasSize(3);
        for (var expected : reread) {
            var written = writtenData(type, expected.recipientId());
            var read = parse(json(expected.data()));
            // The batch's counts are left out: the writer settles them after building its events.
            assertThat(written.path("recipient"))
                    .as("%s of %s: recipient", type, expected.recipientId())
                    .isEqualTo(read.path("recipient"));
            assertThat(written.path("attempt"))
                    .as("%s of %s: attempt", type, expected.recipientId())
                    .isEqualTo(read.path("attempt"));
            assertThat(written.path("attempt").path("provider_call_id").asText())
                    .isEqualTo("call-" + expected.recipientId());
        }
    }

    private JsonNode writtenData(String type, String recipientId) {
        var body = database.jdbi()
                .withHandle(h -> h.createQuery("""
                                SELECT body FROM events
                                WHERE workspace_id = :w AND type = :type AND recipient_id = :r""")
                        .bind("w", seed.workspace().value())
                        .bind("type", type)
                        .bind("r", recipientId)
                        .mapTo(String.class)
                        .one());
        return parse(body).path("data");
    }

    private static String json(Object value) {
        try {
            return WireJson.MAPPER.writeValueAsString(value);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static JsonNode parse(String text) {
        try {
            return WireJson.MAPPER.readTree(text);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }
}
