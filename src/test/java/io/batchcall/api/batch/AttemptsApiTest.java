package io.batchcall.api.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.Await;
import io.batchcall.support.Fixtures;
import io.batchcall.support.TestServer;
import io.batchcall.support.WithServer;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

@WithServer
class AttemptsApiTest {
    private static TestServer server;
    private static String batchId;

    @BeforeAll
    static void start() {
        var fixtures = new Fixtures(server);
        var agentId = fixtures.agent(TestServer.API_KEY, "Attempts");
        fixtures.phoneNumber(TestServer.API_KEY, agentId);
        var recipients = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            recipients
                    .append(i == 0 ? "" : ",")
                    .append("{\"id\":\"r")
                    .append(i)
                    .append("\",\"phone_number\":\"+1415555%04d\",".formatted(i))
                    .append("\"conversation_initiation_client_data\":{\"dynamic_variables\":{\"sim_outcome\":\"")
                    .append(i == 0 ? "busy" : "completed")
                    .append("\",\"sim_ring_ms\":10,\"sim_talk_ms\":10}}}");
        }
        batchId = server.client()
                .post(
                        "/v1/convai/batch-calling/submit",
                        "{\"call_name\":\"A\",\"agent_id\":\"" + agentId + "\",\"recipients\":[" + recipients + "]}")
                .json()
                .get("id")
                .asText();
        Await.until(
                Duration.ofSeconds(30),
                "the batch to complete",
                () -> server.client().batchStatus(batchId).equals("completed"));
    }

    @Test
    void every_attempt_is_listed_with_its_timestamps_outcome_and_conversation() {
        var page = server.client()
                .get("/v1/convai/batch-calling/" + batchId + "/attempts")
                .json();

        assertThat(page.get("has_more").asBoolean()).isFalse();
        assertThat(page.get("attempts")).hasSize(5).allSatisfy(attempt -> {
            assertThat(attempt.get("provider").asText()).isEqualTo("simulator");
            assertThat(attempt.get("attempt_number").asInt()).isEqualTo(1);
            assertThat(attempt.get("conversation_id").asText()).startsWith("conv_");
            assertThat(attempt.get("dialed_at_unix_ms").asLong())
                    .isGreaterThanOrEqualTo(attempt.get("claimed_at_unix_ms").asLong());
            assertThat(attempt.get("ended_at_unix_ms").asLong())
                    .isGreaterThanOrEqualTo(attempt.get("dialed_at_unix_ms").asLong());
            assertThat(attempt.get("phase").asText()).isEqualTo("ended");
        });
        var busy = page.get("attempts").findValues("recipient_id").stream()
                .map(n -> n.asText())
                .toList();
        assertThat(busy).containsExactlyInAnyOrder("r0", "r1", "r2", "r3", "r4");
        assertThat(page.get("attempts"))
                .filteredOn(a -> a.get("recipient_id").asText().equals("r0"))
                .singleElement()
                .satisfies(a -> {
                    assertThat(a.get("outcome").asText()).isEqualTo("busy");
                    assertThat(a.get("sip_code").asInt()).isEqualTo(486);
                    assertThat(a.get("answered_at_unix_ms").isNull()).isTrue();
                });
    }

    @Test
    void attempts_page_with_a_cursor_each_exactly_once() {
        var first = server.client()
                .get("/v1/convai/batch-calling/" + batchId + "/attempts?limit=2")
                .json();
        var ids = new java.util.ArrayList<String>();
        var page = first;
        while (true) {
            page.get("attempts").forEach(a -> ids.add(a.get("id").asText()));
            if (!page.get("has_more").asBoolean()) {
                break;
            }
            page = server.client()
                    .get("/v1/convai/batch-calling/" + batchId + "/attempts?limit=2&cursor="
                            + page.get("next_cursor").asText())
                    .json();
        }

        assertThat(first.get("attempts")).hasSize(2);
        assertThat(ids).hasSize(5).doesNotHaveDuplicates();
    }

    @Test
    void a_forged_cursor_is_a_422_and_an_unknown_or_foreign_batch_a_404() {
        var forged = server.client().get("/v1/convai/batch-calling/" + batchId + "/attempts?cursor=nonsense");
        var unknown = server.client().get("/v1/convai/batch-calling/btcal_nope/attempts");
        var foreign =
                server.client(server.newWorkspaceKey("Other")).get("/v1/convai/batch-calling/" + batchId + "/attempts");

        assertThat(forged.status()).isEqualTo(422);
        assertThat(forged.json().at("/detail/0/loc").toString()).isEqualTo("[\"query\",\"cursor\"]");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(foreign.status()).isEqualTo(404);
        assertThat(server.client()
                        .get("/v1/convai/batch-calling/" + batchId + "/attempts?limit=0")
                        .status())
                .isEqualTo(422);
    }
}
