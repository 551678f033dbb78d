package io.batchcall.api;

import static io.batchcall.support.ApiCalls.agent;
import static io.batchcall.support.ApiCalls.violations;
import static io.batchcall.support.ApiCalls.workspaceId;
import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.ConversationRef;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.NewConversation;
import io.batchcall.domain.PhoneCall;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.ConversationStore;
import io.batchcall.store.CredentialCipher;
import io.batchcall.support.ApiClient;
import io.batchcall.support.DirectDatabase;
import io.batchcall.support.HttpResult;
import io.batchcall.support.TestServer;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The agent's endpoints: with its call's token and no API key, an agent reads its conversation's client data and
 * reports transcript, analysis and termination reason, which GET conversation then shows. Tokens are computed here
 * from the server's secret key, as every node computes them.
 */
class AgentCallApiTest {
    private static final byte[] SECRET = new byte[32];
    private static final String CLIENT_DATA = "{\"conversation_config_override\":{\"agent\":{\"language\":\"de\","
            + "\"first_message\":\"Hallo Ann\"}},\"dynamic_variables\":{\"first_name\":\"Ann\",\"balance\":12.50}}";

    private static TestServer server;
    private static DirectDatabase database;
    private static ConversationStore conversations;
    private static AgentTokens tokens;
    private static ApiClient api;

    @BeforeAll
    static void start() {
        java.util.Arrays.fill(SECRET, (byte) 7);
        server = TestServer.start(
                Map.of(
                        "BATCHCALL_SECRET_KEY",
                        Base64.getEncoder().encodeToString(SECRET),
                        "BATCHCALL_PUBLIC_URL",
                        "https://calls.example.test"),
                List.of());
        database = new DirectDatabase(server);
        conversations = new ConversationStore(database.database(), Clock.systemUTC(), IdSource.secure());
        tokens = new AgentTokens(new CredentialCipher(SECRET).derivedKey("agent tokens"), Optional.empty());
        api = server.client();
    }

    @AfterAll
    static void stop() {
        database.close();
        server.close();
    }

    private static ConversationRef conversation() {
        var workspace = new WorkspaceId(workspaceId(api));
        var agentId = agent(api, "{\"name\":\"Caller\"}");
        var call = new PhoneCall(
                PhoneCall.OUTBOUND, "+14155552671", "+14155550123", PhoneCall.TWILIO, "CA1", Optional.of("MZ1"));
        var id = conversations
                .create(
                        workspace,
                        NewConversation.initiated(
                                agentId,
                                "btcal_7",
                                "rcp_7",
                                "phnum_7",
                                Instant.parse("2026-05-01T10:00:00Z"),
                                call,
                                Optional.of(CLIENT_DATA)))
                .id();
        return new ConversationRef(workspace, id);
    }

    private static com.fasterxml.jackson.databind.JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static ApiClient agentWith(String token) {
        return new ApiClient(server.port(), Map.of("Authorization", "Bearer " + token));
    }

    private static HttpResult report(ConversationRef ref, String json) {
        return agentWith(tokens.token(ref)).post("/agent/v1/conversations/" + ref.conversationId() + "/report", json);
    }

    @Test
    void an_agent_reads_its_client_data_batch_and_number_with_the_token_alone() {
        var ref = conversation();

        var response = agentWith(tokens.token(ref)).get("/agent/v1/conversations/" + ref.conversationId());

        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        var c = response.json();
        assertThat(c.get("conversation_id").asText()).isEqualTo(ref.conversationId());
        assertThat(c.get("batch_call_id").asText()).isEqualTo("btcal_7");
        assertThat(c.get("batch_call_recipient_id").asText()).isEqualTo("rcp_7");
        assertThat(c.get("phone_number").asText()).isEqualTo("+14155550123");
        assertThat(c.get("agent_phone_number").asText()).isEqualTo("+14155552671");
        assertThat(c.at("/conversation_initiation_client_data/conversation_config_override/agent/first_message")
                        .asText())
                .isEqualTo("Hallo Ann");
        // Stored as jsonb: keys may come back in another order, values exactly as given.
        assertThat(c.at("/conversation_initiation_client_data/dynamic_variables"))
                .isEqualTo(json("{\"first_name\":\"Ann\",\"balance\":12.50}"));
        assertThat(c.get("report_url").asText())
                .isEqualTo("https://calls.example.test/agent/v1/conversations/" + ref.conversationId() + "/report");
    }

    @Test
    void a_missing_wrong_or_borrowed_token_is_401_and_a_token_for_no_conversation_is_404() {
        var ref = conversation();
        var other = conversation();
        var path = "/agent/v1/conversations/" + ref.conversationId();

        var missing = server.anonymous().get(path);
        assertThat(missing.status()).isEqualTo(401);
        assertThat(missing.json().at("/detail/status").asText()).isEqualTo("needs_authorization");
        for (var token : List.of(
                tokens.token(other),
                "nope",
                TestServer.API_KEY,
                tokens.token(ref).substring(0, tokens.token(ref).length() - 2) + "xx",
                new AgentTokens(new byte[32], Optional.empty()).token(ref))) {
            var response = agentWith(token).get(path);
            assertThat(response.status()).as(token).isEqualTo(401);
            assertThat(response.json().at("/detail/status").asText()).isEqualTo("invalid_agent_token");
            assertThat(agentWith(token).post(path + "/report", "{}").status()).isEqualTo(401);
        }
        var gone = new ConversationRef(ref.workspaceId(), "conv_never_made");
        var notFound = agentWith(tokens.token(gone)).get("/agent/v1/conversations/conv_never_made");
        assertThat(notFound.status()).isEqualTo(404);
        assertThat(notFound.json().at("/detail/status").asText()).isEqualTo("conversation_not_found");
        assertThat(report(gone, "{}").status()).isEqualTo(404);
    }

    @Test
    void a_report_appears_in_get_conversation_with_every_key_the_sdk_requires() {
        var ref = conversation();

        var response = report(ref, """
                {"transcript":[{"role":"agent","message":"Hallo Ann","time_in_call_secs":0,"extra":1},
                               {"role":"user","message":"Hi","time_in_call_secs":2}],
                 "analysis":{"call_successful":"success","transcript_summary":"Ann upgraded.",
                   "data_collection_results":{"plan":{"value":"gold","rationale":"said so"},"age":{"value":41}},
                   "evaluation_criteria_results":{"polite":{"result":"success"}}},
                 "termination_reason":"end_call tool was called."}""");

        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        var c = api.get("/v1/convai/conversations/" + ref.conversationId()).json();
        assertThat(response.json()).isEqualTo(c);
        assertThat(c.get("transcript").toString())
                .isEqualTo("[{\"role\":\"agent\",\"message\":\"Hallo Ann\","
                        + "\"time_in_call_secs\":0},{\"role\":\"user\",\"message\":\"Hi\",\"time_in_call_secs\":2}]");
        assertThat(c.get("analysis"))
                .isEqualTo(json("{\"call_successful\":\"success\","
                        + "\"transcript_summary\":\"Ann upgraded.\",\"data_collection_results\":{\"age\":"
                        + "{\"data_collection_id\":\"age\",\"value\":41,\"rationale\":\"\"},\"plan\":{\"data_collection_id\":"
                        + "\"plan\",\"value\":\"gold\",\"rationale\":\"said so\"}},\"evaluation_criteria_results\":{\"polite\":"
                        + "{\"criteria_id\":\"polite\",\"result\":\"success\",\"rationale\":\"\"}}}"));
        assertThat(c.at("/metadata/termination_reason").asText()).isEqualTo("end_call tool was called.");
        assertThat(c.get("call_successful").asText()).isEqualTo("success");
        assertThat(c.at("/metadata/phone_call/stream_sid").asText()).isEqualTo("MZ1");

        var partial = report(ref, "{\"analysis\":{\"transcript_summary\":\"Ann upgraded, then called back.\"}}");
        assertThat(partial.status()).isEqualTo(200);
        assertThat(partial.json().at("/analysis/call_successful").asText()).isEqualTo("success");
        assertThat(partial.json().get("transcript")).hasSize(2);
    }

    @Test
    void a_bad_report_is_one_422_listing_every_problem_and_changes_nothing() {
        var ref = conversation();
        var before = api.get("/v1/convai/conversations/" + ref.conversationId()).json();

        var response = report(ref, """
                {"transcript":[{"role":"robot","time_in_call_secs":-1},{"message":3},"x"],
                 "analysis":{"call_successful":"maybe","transcript_summary":7,
                   "data_collection_results":{"plan":"gold"},
                   "evaluation_criteria_results":{"polite":{"result":"great"},"kind":{}}},
                 "termination_reason":%s}""".formatted("\"" + "x".repeat(501) + "\""));

        assertThat(violations(response))
                .containsExactlyInAnyOrder(
                        "[\"body\",\"transcript\",2] model_attributes_type Input should be a valid dictionary or object to"
                                + " extract fields from",
                        "[\"body\",\"transcript\",0,\"role\"] enum Input should be 'user' or 'agent'",
                        "[\"body\",\"transcript\",0,\"time_in_call_secs\"] greater_than_equal Input should be greater than"
                                + " or equal to 0",
                        "[\"body\",\"transcript\",1,\"role\"] missing Field required",
                        "[\"body\",\"transcript\",1,\"time_in_call_secs\"] missing Field required",
                        "[\"body\",\"transcript\",1,\"message\"] string_type Input should be a valid string",
                        "[\"body\",\"analysis\",\"call_successful\"] enum Input should be 'success', 'failure' or 'unknown'",
                        "[\"body\",\"analysis\",\"transcript_summary\"] string_type Input should be a valid string",
                        "[\"body\",\"analysis\",\"data_collection_results\",\"plan\"] model_attributes_type Input should be"
                                + " a valid dictionary or object to extract fields from",
                        "[\"body\",\"analysis\",\"evaluation_criteria_results\",\"polite\",\"result\"] enum Input should be"
                                + " 'success', 'failure' or 'unknown'",
                        "[\"body\",\"analysis\",\"evaluation_criteria_results\",\"kind\",\"result\"] missing Field required",
                        "[\"body\",\"termination_reason\"] string_too_long String should have at most 500 characters");
        assertThat(api.get("/v1/convai/conversations/" + ref.conversationId()).json())
                .isEqualTo(before);
        assertThat(violations(report(ref, "[1]"))).hasSize(1);
    }
}
