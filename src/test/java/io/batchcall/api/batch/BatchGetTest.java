package io.batchcall.api.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.Fixtures;
import io.batchcall.support.TestServer;
import io.batchcall.support.WithServer;
import java.util.ArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** GET of a batch larger than one chunk of the store's reads: every recipient once, in order, as submitted. */
@WithServer
class BatchGetTest {
    private static final int RECIPIENTS = 2_345;

    private static TestServer server;
    private static String agentId;

    @BeforeAll
    static void start() {
        var fixtures = new Fixtures(server);
        agentId = fixtures.agent(TestServer.API_KEY, "Getter");
        fixtures.phoneNumber(TestServer.API_KEY, agentId);
    }

    @Test
    void a_batch_of_several_chunks_shows_every_recipient_once_in_order_with_its_client_data_byte_for_byte() {
        var recipients = new ArrayList<String>();
        for (int i = 0; i < RECIPIENTS; i++) {
            recipients.add("{\"id\":\"r%d\",\"phone_number\":\"+1415%07d\",\"conversation_initiation_client_data\":"
                            .formatted(i, 5_550_000 + i)
                    + "{\"dynamic_variables\":{\"n\":%d,\"price\":1.10,\"name\":\"Ann \\u00e9\"}}}".formatted(i));
        }
        var submitted = server.client()
                .post(
                        "/v1/convai/batch-calling/submit",
                        "{\"call_name\":\"big\",\"agent_id\":\"" + agentId + "\",\"scheduled_time_unix\":"
                                + (System.currentTimeMillis() / 1000 + 86_400) + ",\"recipients\":["
                                + String.join(",", recipients) + "]}");
        assertThat(submitted.status()).as(submitted.toString()).isEqualTo(200);

        var got = server.client()
                .get("/v1/convai/batch-calling/" + submitted.json().get("id").asText());

        assertThat(got.status()).isEqualTo(200);
        var shown = got.json().get("recipients");
        assertThat(shown).hasSize(RECIPIENTS);
        for (int i = 0; i < RECIPIENTS; i++) {
            assertThat(shown.get(i).get("id").asText()).isEqualTo("r" + i);
        }
        // Client data is echoed as it was sent (Jackson writes é as itself; the decimal keeps its zero), each once.
        var body = got.body();
        assertThat(body)
                .contains("\"conversation_initiation_client_data\":{\"dynamic_variables\":"
                        + "{\"n\":1234,\"price\":1.10,\"name\":\"Ann é\"}}");
        assertThat(body.split("\"conversation_initiation_client_data\":", -1)).hasSize(RECIPIENTS + 1);
        assertThat(got.json().get("waiting_recipients").asInt()).isZero();
        assertThat(got.json().get("next_window_opens_at_unix").isNull()).isTrue();
    }
}
