package io.batchcall.api;

import static io.batchcall.support.Body.object;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.support.Await;
import io.batchcall.support.Body;
import io.batchcall.support.FakeExotel;
import io.batchcall.support.FakeTwilio;
import io.batchcall.support.Fixtures;
import io.batchcall.support.TestServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Single outbound calls through the HTTP API, with WireMock as Twilio and Exotel and the simulator: the answers
 * ElevenLabs gives, a provider's refusal, full limits, a 503 on create, and register-call's TwiML.
 */
class SingleCallApiTest {
    private static final String PUBLIC_URL = "https://batchcall.example.test";
    private static final Duration BOUND = Duration.ofSeconds(20);
    private static final String TWILIO = "/v1/convai/twilio/outbound-call";
    private static final String SIP = "/v1/convai/sip-trunk/outbound-call";
    private static final String EXOTEL = "/v1/convai/exotel/outbound-call";

    private static FakeTwilio twilio;
    private static FakeExotel exotel;
    private static TestServer server;
    private static Fixtures fixtures;
    private static String agentId;
    private static String twilioNumber;
    private static String exotelNumber;
    private static String simulatorNumber;

    @BeforeAll
    static void start() {
        twilio = new FakeTwilio();
        exotel = new FakeExotel();
        server = TestServer.start(
                Map.of(
                        "BATCHCALL_TWILIO_API_BASE",
                        twilio.baseUrl(),
                        "BATCHCALL_EXOTEL_API_BASE",
                        exotel.baseUrl(),
                        "BATCHCALL_PUBLIC_URL",
                        PUBLIC_URL,
                        // The calls here are placed in well under a second; the one the number's pace holds waits
                        // its ringing timeout and this margin before it is given up.
                        "BATCHCALL_SINGLE_CALL_WAIT_MARGIN_SECS",
                        "5"),
                List.of());
        fixtures = new Fixtures(server);
        agentId = agent(TestServer.API_KEY);
        twilioNumber = twilioNumber(TestServer.API_KEY, "+14155550100");
        exotelNumber = created(
                server.client()
                        .post(
                                "/v1/convai/phone-numbers",
                                object().field("provider", "exotel")
                                        .field("phone_number", "+918047112233")
                                        .field("label", "Exotel")
                                        .field("account_sid", FakeExotel.ACCOUNT)
                                        .field("api_key", FakeExotel.API_KEY)
                                        .field("api_token", FakeExotel.API_TOKEN)
                                        .field("api_subdomain", "api.in.exotel.com")
                                        .field("app_id", "4242"))
                        .json(),
                "phone_number_id");
        simulatorNumber = fixtures.phoneNumber(TestServer.API_KEY, null);
    }

    @AfterAll
    static void stop() {
        server.close();
        twilio.close();
        exotel.close();
    }

    private static String agent(String key) {
        return created(
                server.client(key)
                        .post(
                                "/v1/convai/agents/create",
                                object("name", "Caller", "media_stream_url", "wss://agent.example.test/media"))
                        .json(),
                "agent_id");
    }

    private static String twilioNumber(String key, String phone) {
        return created(
                server.client(key)
                        .post(
                                "/v1/convai/phone-numbers",
                                object().field("provider", "twilio")
                                        .field("phone_number", phone)
                                        .field("label", "Twilio")
                                        .field("sid", FakeTwilio.ACCOUNT)
                                        .field("token", FakeTwilio.AUTH_TOKEN)
                                        .field("cps", 50))
                        .json(),
                "phone_number_id");
    }

    private static String created(JsonNode body, String field) {
        assertThat(body.has(field)).as(body.toString()).isTrue();
        return body.get(field).asText();
    }

    private static JsonNode body(String agent, String number, String to) {
        return object().field("agent_id", agent)
                .field("agent_phone_number_id", number)
                .field("to_number", to)
                .field("conversation_initiation_client_data", object("dynamic_variables", object("name", "Ada")))
                .field("telephony_call_config", object("ringing_timeout_secs", 5));
    }

    @Test
    void a_twilio_call_answers_success_with_the_conversation_and_the_call_sid_twilio_returned() {
        twilio.acceptCalls();

        var response = server.client().post(TWILIO, body(agentId, twilioNumber, "+14155550111"));

        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        var answer = response.json();
        assertThat(answer.get("success").asBoolean()).isTrue();
        assertThat(answer.get("message").asText()).isEqualTo("Success");
        var create = twilio.creates().stream()
                .filter(c -> "+14155550111".equals(c.field("To")))
                .toList();
        assertThat(create).hasSize(1);
        assertThat(answer.get("callSid").asText()).isEqualTo(create.getFirst().sid());
        var conversation = server.client()
                .get("/v1/convai/conversations/" + answer.get("conversation_id").asText());
        assertThat(conversation.status()).isEqualTo(200);
        assertThat(conversation.json().get("agent_id").asText()).isEqualTo(agentId);
        assertThat(conversation.json().at("/metadata/phone_call/call_sid").asText())
                .isEqualTo(create.getFirst().sid());
        // The dynamic variables reach the agent as on a batch's call.
        assertThat(create.getFirst().field("Twiml")).contains("name=\"var_name\" value=\"Ada\"");
    }

    @Test
    void while_the_workspaces_dialing_is_paused_a_single_call_is_refused_at_once_and_nothing_is_stored() {
        twilio.acceptCalls();
        assertThat(server.client()
                        .patch("/v1/batchcall/workspace", object("dispatch_paused", true))
                        .status())
                .isEqualTo(200);
        try {
            int batchesBefore = fixtures.queryOne("SELECT count(*) FROM batches", Map.of(), Integer.class);

            var response = server.client().post(TWILIO, body(agentId, twilioNumber, "+14155550119"));

            assertThat(response.status()).as(response.toString()).isEqualTo(409);
            assertThat(response.json().at("/detail/status").asText()).isEqualTo("dispatch_paused");
            assertThat(fixtures.queryOne("SELECT count(*) FROM batches", Map.of(), Integer.class))
                    .isEqualTo(batchesBefore);
            assertThat(twilio.creates().stream().filter(c -> "+14155550119".equals(c.field("To"))))
                    .isEmpty();
        } finally {
            server.client().patch("/v1/batchcall/workspace", object("dispatch_paused", false));
        }
    }

    @Test
    void a_single_call_is_not_listed_among_the_workspaces_batches() {
        twilio.acceptCalls();
        var response = server.client().post(TWILIO, body(agentId, twilioNumber, "+14155550112"));
        assertThat(response.json().get("success").asBoolean())
                .as(response.toString())
                .isTrue();

        var batchId = fixtures.queryOne(
                "SELECT batch_id FROM attempts WHERE conversation_id = :c",
                Map.of("c", response.json().get("conversation_id").asText()),
                String.class);
        var listed = server.client()
                .get("/v1/convai/batch-calling/workspace?limit=100")
                .json()
                .get("batch_calls");
        assertThat(listed.findValuesAsText("id")).doesNotContain(batchId);
    }

    @Test
    void a_call_twilio_refuses_answers_success_false_with_twilios_reason_and_is_not_dialed_again() {
        twilio.refuseCreates(400, 21211, "Invalid 'To' Phone Number");

        var response = server.client().post(TWILIO, body(agentId, twilioNumber, "+14155550113"));

        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        assertThat(response.json().get("success").asBoolean()).isFalse();
        assertThat(response.json().get("message").asText()).contains("21211", "Invalid 'To' Phone Number");
        assertThat(response.json().has("callSid")).isTrue();
        assertThat(response.json().get("callSid").isNull()).isTrue();
        assertThat(twilio.creates().stream().filter(c -> "+14155550113".equals(c.field("To"))))
                .hasSize(1);

        // The batch controls do not reach a single call: a retry of its hidden batch is refused, nothing dialed.
        var batchId = fixtures.queryOne(
                "SELECT batch_id FROM attempts WHERE conversation_id = :c",
                Map.of("c", response.json().get("conversation_id").asText()),
                String.class);
        var retry = server.client().post("/v1/convai/batch-calling/" + batchId + "/retry", "");
        assertThat(retry.status()).as(retry.toString()).isEqualTo(409);
        assertThat(retry.json().at("/detail/status").asText()).isEqualTo("single_call");
        assertThat(twilio.creates().stream().filter(c -> "+14155550113".equals(c.field("To"))))
                .hasSize(1);
    }

    @Test
    void a_503_on_create_sends_exactly_one_create_and_answers_what_the_look_up_found() {
        twilio.refuseCreates(503, 20500, "Service Unavailable");
        twilio.stub(com.github.tomakehurst.wiremock.client.WireMock.get(
                        com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo(FakeTwilio.CALLS))
                .willReturn(FakeTwilio.json(200, object("calls", Body.array()).toString())));

        var response = server.client().post(TWILIO, body(agentId, twilioNumber, "+14155550114"));

        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        assertThat(response.json().get("success").asBoolean()).isFalse();
        assertThat(response.json().get("message").asText()).contains("503");
        var conversationAttempts = fixtures.queryOne("""
                SELECT count(*) FROM attempts a JOIN recipients r
                    ON r.workspace_id = a.workspace_id AND r.batch_id = a.batch_id AND r.id = a.recipient_id
                WHERE r.phone_number = '+14155550114'""", Map.of(), Integer.class);
        assertThat(conversationAttempts).isEqualTo(1);
        assertThat(twilio.creates().stream().filter(c -> "+14155550114".equals(c.field("To"))))
                .hasSize(1);
    }

    @Test
    void a_call_when_the_workspace_limit_is_full_is_a_429_at_once_and_nothing_is_dialed() {
        var key = server.newWorkspaceKey("Full");
        var agent = agent(key);
        var number = twilioNumber(key, "+14155550190");
        fixtures.execute(
                "UPDATE workspaces SET concurrency_limit = 1 WHERE id = :w", Map.of("w", fixtures.workspaceOf(key)));
        twilio.acceptCalls();
        var first = server.client(key).post(TWILIO, body(agent, number, "+14155550115"));
        assertThat(first.json().get("success").asBoolean()).as(first.toString()).isTrue();

        var second = server.client(key).post(TWILIO, body(agent, number, "+14155550116"));

        assertThat(second.status()).as(second.toString()).isEqualTo(429);
        assertThat(second.json().at("/detail/status").asText()).isEqualTo("concurrency_limit_reached");
        assertThat(second.json().at("/detail/message").asText()).contains("concurrency limit", "1 calls in flight");
        assertThat(second.headers().firstValue("Retry-After")).isPresent();
        assertThat(twilio.creates().stream().filter(c -> "+14155550116".equals(c.field("To"))))
                .isEmpty();
        assertThat(fixtures.queryOne(
                        "SELECT count(*) FROM recipients WHERE phone_number = '+14155550116'", Map.of(), Integer.class))
                .isZero();
    }

    @Test
    void a_call_past_the_agents_daily_limit_is_a_429_naming_it_and_nothing_is_dialed() {
        var limited = created(
                server.client()
                        .post(
                                "/v1/convai/agents/create",
                                object().field("name", "Daily")
                                        .field("media_stream_url", "wss://agent.example.test/media")
                                        .field("platform_settings", object("call_limits", object("daily_limit", 1))))
                        .json(),
                "agent_id");
        twilio.acceptCalls();
        var first = server.client().post(TWILIO, body(limited, twilioNumber, "+14155550120"));
        assertThat(first.json().get("success").asBoolean()).as(first.toString()).isTrue();

        var second = server.client().post(TWILIO, body(limited, twilioNumber, "+14155550121"));

        assertThat(second.status()).as(second.toString()).isEqualTo(429);
        assertThat(second.json().at("/detail/message").asText())
                .contains("daily_limit", "1 calls in the last 24 hours");
        assertThat(twilio.creates().stream().filter(c -> "+14155550121".equals(c.field("To"))))
                .isEmpty();
        var usage = server.client().get("/v1/convai/agents/" + limited).json().get("daily_usage");
        assertThat(usage.get("limit_reached").asBoolean()).isTrue();
        assertThat(usage.get("next_call_allowed_at_unix").isIntegralNumber()).isTrue();
    }

    @Test
    void a_simulator_number_places_a_single_call_whose_conversation_and_events_are_recorded() {
        var response = server.client().post(SIP, body(agentId, simulatorNumber, "+14155550117"));

        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        assertThat(response.json().get("success").asBoolean()).isTrue();
        assertThat(response.json().get("sip_call_id").asText()).startsWith("sim_");
        var conversationId = response.json().get("conversation_id").asText();
        Await.until(
                BOUND,
                "the simulated call ends",
                () -> !List.of("initiated", "in-progress")
                        .contains(server.client()
                                .get("/v1/convai/conversations/" + conversationId)
                                .json()
                                .get("status")
                                .asText()));
        assertThat(fixtures.queryOne(
                        "SELECT count(*) FROM events e JOIN attempts a ON a.batch_id = e.batch_id"
                                + " WHERE a.conversation_id = :c",
                        Map.of("c", conversationId),
                        Integer.class))
                .isPositive();
    }

    @Test
    void an_exotel_call_answers_exotels_call_sid() {
        exotel.acceptCalls();

        var response = server.client().post(EXOTEL, body(agentId, exotelNumber, "+919876500001"));

        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        assertThat(response.json().get("success").asBoolean()).isTrue();
        var connect = exotel.connects().stream()
                .filter(c -> "+919876500001".equals(c.field("From")))
                .toList();
        assertThat(connect).hasSize(1);
        assertThat(response.json().get("callSid").asText())
                .isEqualTo(connect.getFirst().sid());
        assertThat(response.json().get("conversation_id").asText()).startsWith("conv");
    }

    @Test
    void a_call_to_an_opted_out_number_answers_success_false_saying_why_and_is_never_dialed() {
        fixtures.execute(
                "INSERT INTO opt_outs (workspace_id, id, number, channel, created_at)"
                        + " VALUES (:w, 'oo_single', '+14155550122', 'api', now())",
                Map.of("w", fixtures.workspaceOf(TestServer.API_KEY)));

        var response = server.client().post(SIP, body(agentId, simulatorNumber, "+14155550122"));

        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        assertThat(response.json().get("success").asBoolean()).isFalse();
        assertThat(response.json().get("message").asText()).contains("skip_reason opted_out");
        assertThat(fixtures.queryOne(
                        "SELECT count(*) FROM attempts a JOIN recipients r ON r.workspace_id = a.workspace_id"
                                + " AND r.batch_id = a.batch_id AND r.id = a.recipient_id"
                                + " WHERE r.phone_number = '+14155550122'",
                        Map.of(),
                        Integer.class))
                .isZero();
    }

    @Test
    void a_call_the_numbers_pace_holds_past_the_wait_is_cancelled_and_never_dialed_after_its_answer() {
        // One call every 1,000 s: the first takes the slot, the second cannot be dialed within its wait.
        var slow = fixtures.phoneNumber(TestServer.API_KEY, null);
        fixtures.execute("UPDATE phone_numbers SET cps = 0.001 WHERE id = :id", Map.of("id", slow));
        var first = server.client().post(TWILIO, body(agentId, slow, "+14155550120"));
        assertThat(first.json().get("success").asBoolean()).as(first.toString()).isTrue();

        var second = server.client()
                .post(
                        TWILIO,
                        object().field("agent_id", agentId)
                                .field("agent_phone_number_id", slow)
                                .field("to_number", "+14155550121")
                                .field("telephony_call_config", object("ringing_timeout_secs", 1)));

        assertThat(second.status()).as(second.toString()).isEqualTo(200);
        assertThat(second.json().get("success").asBoolean()).isFalse();
        assertThat(second.json().get("message").asText())
                .contains("could not be placed within 6 seconds", "will not be dialed");
        assertThat(second.json().get("callSid").isNull()).isTrue();
        assertThat(fixtures.queryOne(
                        "SELECT status FROM recipients WHERE phone_number = '+14155550121'", Map.of(), String.class))
                .isEqualTo("cancelled");
        assertThat(fixtures.queryOne("""
                SELECT count(*) FROM attempts a JOIN recipients r
                    ON r.workspace_id = a.workspace_id AND r.batch_id = a.batch_id AND r.id = a.recipient_id
                WHERE r.phone_number = '+14155550121' AND a.dialed_at IS NOT NULL""", Map.of(), Integer.class)).isZero();
    }

    @Test
    void a_number_of_another_provider_than_the_route_is_refused_with_a_clear_error() {
        var response = server.client().post(SIP, body(agentId, twilioNumber, "+14155550118"));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().at("/detail/status").asText()).isEqualTo("phone_number_provider_mismatch");
        assertThat(response.json().at("/detail/message").asText()).contains("twilio", "sip_trunk");
        assertThat(fixtures.queryOne(
                        "SELECT count(*) FROM recipients WHERE phone_number = '+14155550118'", Map.of(), Integer.class))
                .isZero();
    }

    @Test
    void a_body_without_to_number_is_a_422_naming_the_field() {
        var response = server.client().post(TWILIO, object("agent_id", agentId, "agent_phone_number_id", twilioNumber));

        assertThat(response.status()).isEqualTo(422);
        assertThat(response.json().at("/detail/0/loc/1").asText()).isEqualTo("to_number");
    }

    @Test
    void register_call_answers_twiml_connecting_the_call_to_the_agents_stream_with_its_conversation() {
        var response = server.client()
                .post(
                        "/v1/convai/twilio/register-call",
                        object().field("agent_id", agentId)
                                .field("from_number", "+14155550119")
                                .field("to_number", "+14155550100")
                                .field("direction", "inbound")
                                .field(
                                        "conversation_initiation_client_data",
                                        object("dynamic_variables", object("name", "Ada"))));

        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        var twiml = response.body();
        assertThat(twiml)
                .startsWith("<Response><Connect><Stream url=\"wss://agent.example.test/media\">")
                .endsWith("</Stream></Connect></Response>")
                .contains("<Parameter name=\"var_name\" value=\"Ada\"/>", "name=\"batchcall_token\"");
        var conversationId = twiml.replaceAll(".*name=\"conversation_id\" value=\"([^\"]+)\".*", "$1");
        var conversation = server.client().get("/v1/convai/conversations/" + conversationId);
        assertThat(conversation.status()).as(conversationId).isEqualTo(200);
        assertThat(conversation.json().get("agent_id").asText()).isEqualTo(agentId);

        // batchcall never sees a registered call end, so its conversation is deletable whatever its status says.
        assertThat(conversation.json().get("status").asText()).isEqualTo("initiated");
        var deleted = server.client().delete("/v1/convai/conversations/" + conversationId);
        assertThat(deleted.status()).as(deleted.toString()).isEqualTo(200);
        assertThat(server.client()
                        .get("/v1/convai/conversations/" + conversationId)
                        .status())
                .isEqualTo(404);
    }
}
