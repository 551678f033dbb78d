package io.batchcall.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.BatchRef;
import io.batchcall.domain.Claim;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.NewRecipient;
import io.batchcall.support.TestDatabase;
import io.batchcall.wire.WireJson;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The claim builds its {@code recipient.dispatched} events from the rows it wrote (the recipients its update
 * returned, the attempts it opened) rather than reading them again: each event must say exactly what a read of
 * those rows right after the claim says.
 */
class ClaimEventsTest {

    @Test
    void a_claims_dispatched_events_show_each_recipient_and_attempt_exactly_as_a_read_after_the_claim_does()
            throws Exception {
        var database = Database.connect(
                TestDatabase.freshDatabaseUrl(), Optional.of("postgres"), Optional.empty(), new SimpleMeterRegistry());
        var clock = Clock.systemUTC();
        var ids = IdSource.secure();
        var seed = StoreSeed.create(database, clock, ids, "events", 10);
        var recipients = List.of(
                new NewRecipient("plain", Optional.of("+14155550101"), Optional.empty(), Optional.empty()),
                new NewRecipient(
                        "with-data",
                        Optional.of("+14155550102"),
                        Optional.empty(),
                        Optional.of("{\"dynamic_variables\":{\"name\":\"Ada\",\"timezone\":\"America/New_York\"}}")),
                new NewRecipient("third", Optional.of("+442071838750"), Optional.empty(), Optional.empty()));
        seed.submit(database, clock, ids, recipients);

        var claims = new ClaimStore(database, clock, ids, "node-a", Duration.ofSeconds(30))
                .claim(seed.workspace(), number -> Optional.empty())
                .claims();
        assertThat(claims).hasSize(3);

        Map<String, JsonNode> written = new HashMap<>();
        database.jdbi()
                .useHandle(h -> h.createQuery("""
                                SELECT recipient_id, body FROM events
                                WHERE workspace_id = :w AND type = 'recipient.dispatched'""")
                        .bind("w", seed.workspace().value())
                        .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getString(2)))
                        .forEach(e -> written.put(e.getKey(), data(e.getValue()))));
        var reread = database.jdbi()
                .withHandle(h -> LifecycleEvents.recipientEvents(
                        h,
                        claims.stream()
                                .map(claim -> new LifecycleEvents.RecipientMove(
                                        new BatchRef(seed.workspace(), claim.batchId()),
                                        claim.recipientId(),
                                        "pending",
                                        Optional.<AttemptRef>of(claim.attempt())))
                                .toList()));

        assertThat(written.keySet())
                .containsExactlyInAnyOrderElementsOf(
                        claims.stream().map(Claim::recipientId).toList());
        var compared = new ArrayList<String>();
        for (var event : reread) {
            // Parsed from its text, as the written body is: numbers compare by value, not by Java type.
            var expected = WireJson.MAPPER.readTree(WireJson.MAPPER.writeValueAsString(event.data()));
            assertThat(written.get(event.recipientId()))
                    .as("the recipient.dispatched event of %s", event.recipientId())
                    .isEqualTo(expected);
            assertThat(expected.path("recipient").path("status").asText()).isEqualTo("dispatched");
            assertThat(expected.path("attempt").path("phase").asText()).isEqualTo("dialing");
            compared.add(event.recipientId());
        }
        assertThat(compared).hasSize(3);
        assertThat(written.get("with-data").path("recipient").toString()).contains("Ada");
        database.close();
    }

    private static JsonNode data(String body) {
        try {
            return WireJson.MAPPER.readTree(body).path("data");
        } catch (Exception e) {
            throw new AssertionError("an event body that is not JSON: " + body, e);
        }
    }
}
