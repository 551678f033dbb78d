package io.batchcall.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.Await;
import io.batchcall.support.Fixtures;
import io.batchcall.support.HttpResult;
import io.batchcall.support.RawHttp;
import io.batchcall.support.TestServer;
import io.batchcall.support.WithServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Text that PostgreSQL cannot store (U+0000, unpaired UTF-16 surrogates) is refused where it enters, with a 422
 * naming the field, for every way text comes in: query, path, header, JSON at any depth (keys too).
 */
@WithServer
class TextAtTheDoorTest {
    private static final String SUBMIT = "/v1/convai/batch-calling/submit";

    private static TestServer server;
    private static Fixtures fixtures;
    private static RawHttp raw;
    private static String agentId;

    @BeforeAll
    static void start() {
        fixtures = new Fixtures(server);
        raw = new RawHttp(server.port());
        agentId = fixtures.agent(TestServer.API_KEY, "Door agent");
        fixtures.phoneNumber(TestServer.API_KEY, agentId);
    }

    private static HttpResult get(String target) {
        return raw.send("GET", target, Map.of("xi-api-key", TestServer.API_KEY), null);
    }

    private static HttpResult post(String target, byte[] body) {
        return raw.send(
                "POST", target, Map.of("xi-api-key", TestServer.API_KEY, "Content-Type", "application/json"), body);
    }

    private static String submitWithClientData(String clientData) {
        return """
                {"call_name":"Door","agent_id":"%s","recipients":[
                  {"phone_number":"+14155550123"},
                  {"phone_number":"+14155550124","conversation_initiation_client_data":%s}]}""".formatted(agentId, clientData);
    }

    private static void assertRefused(HttpResult response, String loc) {
        assertThat(response.status()).as(response.toString()).isEqualTo(422);
        assertThat(response.json().at("/detail/0/loc").toString())
                .as(response.toString())
                .isEqualTo(loc);
    }

    @Test
    void a_nul_in_a_query_parameter_is_a_422_naming_the_parameter() {
        assertRefused(get("/v1/convai/batch-calling/workspace?agent_id=%00"), "[\"query\",\"agent_id\"]");
        assertRefused(get("/v1/convai/conversations?agent_id=a%00b"), "[\"query\",\"agent_id\"]");
    }

    @Test
    void a_nul_in_a_query_parameter_name_is_a_422_too() {
        var response = get("/v1/convai/batch-calling/workspace?a%00b=1");

        assertThat(response.status()).as(response.toString()).isEqualTo(422);
        assertThat(response.json().at("/detail/0/loc/0").asText()).isEqualTo("query");
    }

    @Test
    void broken_percent_encodings_in_the_query_are_never_a_server_error() {
        assertThat(get("/v1/convai/batch-calling/workspace?agent_id=%zz").status())
                .isLessThan(500);
        assertThat(get("/v1/convai/batch-calling/workspace?agent_id=%C0%80").status())
                .isLessThan(500);
        assertThat(get("/v1/convai/batch-calling/workspace?agent_id=%ED%A0%80").status())
                .isLessThan(500);
        assertThat(get("/v1/convai/batch-calling/workspace?agent_id=%").status())
                .isLessThan(500);
    }

    @Test
    void a_nul_in_a_path_parameter_is_refused_without_a_server_error() {
        var response = get("/v1/convai/batch-calling/btcal_a%00b");

        assertThat(response.status()).as(response.toString()).isIn(400, 422);
        if (response.status() == 422) {
            assertThat(response.json().at("/detail/0/loc").toString()).isEqualTo("[\"path\",\"batch_id\"]");
        }
    }

    @Test
    void a_nul_in_an_agent_name_is_a_422_on_the_name() {
        var response = server.client().post("/v1/convai/agents/create", "{\"name\":\"a\\u0000b\"}");

        assertRefused(response, "[\"body\",\"name\"]");
        assertThat(response.json().at("/detail/0/type").asText()).isEqualTo("string_nul");
    }

    @Test
    void a_nul_in_a_dynamic_variable_is_refused_at_submit_and_no_batch_is_created() {
        int before = batchCount();

        var response =
                server.client().post(SUBMIT, submitWithClientData("{\"dynamic_variables\":{\"name\":\"a\\u0000\"}}"));

        assertRefused(
                response,
                "[\"body\",\"recipients\",1,\"conversation_initiation_client_data\","
                        + "\"dynamic_variables\",\"name\"]");
        assertThat(batchCount()).isEqualTo(before);
    }

    @Test
    void a_nul_in_an_object_key_at_any_depth_is_refused_with_the_key_shown_safely() {
        var response = server.client()
                .post(SUBMIT, submitWithClientData("{\"conversation_config_override\":{\"agent\":{\"x\\u0000y\":1}}}"));

        assertRefused(
                response,
                "[\"body\",\"recipients\",1,\"conversation_initiation_client_data\","
                        + "\"conversation_config_override\",\"agent\",\"x\uFFFDy\"]");
    }

    @Test
    void an_unpaired_surrogate_escaped_in_json_is_a_422_on_the_field() {
        var response = server.client()
                .post(SUBMIT, submitWithClientData("{\"dynamic_variables\":{\"tags\":[\"ok\",\"\\ud800\"]}}"));

        assertRefused(
                response,
                "[\"body\",\"recipients\",1,\"conversation_initiation_client_data\","
                        + "\"dynamic_variables\",\"tags\",1]");
        assertThat(response.json().at("/detail/0/type").asText()).isEqualTo("string_unicode");
    }

    @Test
    void a_low_surrogate_before_its_high_one_is_unpaired_too() {
        var response = server.client().post("/v1/convai/agents/create", "{\"name\":\"\\udc00\\ud800\"}");

        assertRefused(response, "[\"body\",\"name\"]");
    }

    @Test
    void a_surrogate_encoded_as_raw_utf8_bytes_and_invalid_utf8_are_422s_not_server_errors() {
        var prefix = "{\"name\":\"".getBytes(StandardCharsets.US_ASCII);
        var suffix = "\"}".getBytes(StandardCharsets.US_ASCII);
        for (var bad : new byte[][] {
            {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
            {(byte) 0xFF},
            {(byte) 0xC0, (byte) 0x80},
            {(byte) 0xE2, (byte) 0x82}
        }) {
            var body = new java.io.ByteArrayOutputStream();
            body.writeBytes(prefix);
            body.writeBytes(bad);
            body.writeBytes(suffix);

            var response = post("/v1/convai/agents/create", body.toByteArray());

            assertThat(response.status()).as(response.toString()).isEqualTo(422);
        }
    }

    @Test
    void a_nul_in_the_idempotency_key_header_is_a_422_on_the_header() {
        var response = raw.send(
                "POST",
                "/v1/convai/batch-calling/btcal_missing/cancel",
                Map.of("xi-api-key", TestServer.API_KEY, "Idempotency-Key", "a\u0000b"),
                null);

        assertThat(response.status()).as(response.toString()).isIn(400, 422);
        if (response.status() == 422) {
            assertThat(response.json().at("/detail/0/loc").toString()).isEqualTo("[\"header\",\"idempotency-key\"]");
        }
    }

    @Test
    void a_number_postgresql_cannot_hold_in_jsonb_is_refused_at_submit() {
        var response =
                server.client().post(SUBMIT, submitWithClientData("{\"dynamic_variables\":{\"huge\":1e999999}}"));

        assertRefused(
                response,
                "[\"body\",\"recipients\",1,\"conversation_initiation_client_data\","
                        + "\"dynamic_variables\",\"huge\"]");
    }

    @Test
    void text_that_passes_the_door_is_stored_and_its_batch_runs_to_completion_on_the_simulator() {
        // Everything here is legal and must survive every later write and cast: control characters other than
        // NUL, a paired surrogate (an emoji), U+FFFF, escapes, and numbers at the edges of what jsonb holds.
        var clientData = "{\"dynamic_variables\":{\"name\":\"a\\u0001\\u001f\\uffff\uD83D\uDE00\\ud83d\\ude00\","
                + "\"\\u00e9t\\u00e9\":\"\\\\u0000 is only text\",\"big\":1e300,\"small\":-1.5e-300,"
                + "\"long\":123456789012345678901234567890},\"conversation_config_override\":{\"agent\":"
                + "{\"first_message\":\"Hi \\t\\r\\n\"}}}";
        var submitted = server.client().post(SUBMIT, submitWithClientData(clientData));
        assertThat(submitted.status()).as(submitted.toString()).isEqualTo(200);
        var batchId = submitted.json().get("id").asText();

        Await.until(
                Duration.ofSeconds(30),
                "the batch completes",
                () -> server.client().batchStatus(batchId).equals("completed"));

        var batch = server.client().get("/v1/convai/batch-calling/" + batchId).json();
        assertThat(batch.get("total_calls_finished").asInt()).isEqualTo(2);
        assertThat(batch.at("/recipients/1/conversation_initiation_client_data/dynamic_variables/name")
                        .asText())
                .isEqualTo("a\u0001\u001f\uffff\uD83D\uDE00\uD83D\uDE00");
    }

    private static int batchCount() {
        return fixtures.queryOne("SELECT count(*) FROM batches", Map.of(), Integer.class);
    }
}
