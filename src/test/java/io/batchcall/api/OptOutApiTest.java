package io.batchcall.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.domain.ConversationRef;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.NewConversation;
import io.batchcall.domain.PhoneCall;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.ConversationStore;
import io.batchcall.store.CredentialCipher;
import io.batchcall.support.ApiClient;
import io.batchcall.support.DirectDatabase;
import io.batchcall.support.Fixtures;
import io.batchcall.support.TestServer;
import io.batchcall.support.WithServer;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Opt-outs through the real server: by API key and by a call's agent token, cancelling the number's waiting
 * recipients at once (events and batch completion included), idempotent, scoped to an agent when asked, exported.
 * Batches are scheduled an hour ahead so that their recipients wait, as a running batch's not yet dialed ones do.
 */
@WithServer(env = "BATCHCALL_SECRET_KEY=BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=")
class OptOutApiTest {
    private static final String OPT_OUTS = "/v1/batchcall/opt-outs";

    private static TestServer server;
    private static Fixtures fixtures;
    private static ApiClient api;
    private static DirectDatabase database;
    private static AgentTokens tokens;
    private static String agentId;
    private static String otherAgentId;

    @BeforeAll
    static void start() {
        fixtures = new Fixtures(server);
        api = server.client();
        agentId = fixtures.agent(TestServer.API_KEY, "Sales");
        otherAgentId = fixtures.agent(TestServer.API_KEY, "Support");
        fixtures.phoneNumber(TestServer.API_KEY, agentId);
        fixtures.phoneNumber(TestServer.API_KEY, otherAgentId);
        database = new DirectDatabase(server);
        var secret = new byte[32];
        Arrays.fill(secret, (byte) 7);
        tokens = new AgentTokens(new CredentialCipher(secret).derivedKey("agent tokens"), Optional.empty());
    }

    @AfterAll
    static void stop() {
        database.close();
    }

    /** A batch scheduled an hour ahead: its recipients wait (pending). */
    private static String scheduledBatch(String agent, String... numbers) {
        var recipients = new ArrayList<String>();
        for (var number : numbers) {
            recipients.add("{\"phone_number\":\"" + number + "\"}");
        }
        var response = api.post("/v1/convai/batch-calling/submit", """
                {"call_name":"Later","agent_id":"%s","scheduled_time_unix":%d,"recipients":[%s]}""".formatted(
                        agent, Instant.now().getEpochSecond() + 3600, String.join(",", recipients)));
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json().get("id").asText();
    }

    private static JsonNode optOut(String json) {
        var response = api.post(OPT_OUTS, json);
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json();
    }

    private static JsonNode batch(String batchId) {
        return api.get("/v1/convai/batch-calling/" + batchId).json();
    }

    private static String status(String batchId, String number) {
        for (var recipient : batch(batchId).get("recipients")) {
            if (recipient.get("phone_number").asText().equals(number)) {
                return recipient.get("status").asText();
            }
        }
        throw new AssertionError("no recipient " + number + " in " + batchId);
    }

    private static String skipReason(String batchId, String number) {
        return fixtures.queryOne(
                "SELECT coalesce(skip_reason, '') FROM recipients WHERE batch_id = :b AND phone_number = :n",
                Map.of("b", batchId, "n", number),
                String.class);
    }

    private static List<String> eventTypes(String batchId) {
        var types = new ArrayList<String>();
        api.get("/v1/workspace/webhook-events?batch_call_id=" + batchId)
                .json()
                .get("events")
                .forEach(e -> types.add(e.get("type").asText()));
        return types;
    }

    @Test
    void an_opt_out_cancels_the_numbers_waiting_recipients_in_every_batch_at_once() {
        var first = scheduledBatch(agentId, "+14155550201", "+14155550202");
        var second = scheduledBatch(otherAgentId, "+14155550201", "+14155550203");

        var recorded = optOut("{\"phone_number\":\"+1 415 555 0201\",\"reason\":\"asked on the phone\"}");

        assertThat(recorded.get("created").asBoolean()).isTrue();
        assertThat(recorded.get("phone_number").asText()).isEqualTo("+14155550201");
        assertThat(recorded.get("channel").asText()).isEqualTo("api");
        assertThat(recorded.get("cancelled_recipients").asInt()).isEqualTo(2);
        assertThat(recorded.get("opt_out_id").asText()).startsWith("optout_");
        for (var batchId : List.of(first, second)) {
            assertThat(status(batchId, "+14155550201")).isEqualTo("cancelled");
            assertThat(skipReason(batchId, "+14155550201")).isEqualTo("opted_out");
            assertThat(eventTypes(batchId)).contains("recipient.cancelled");
            assertThat(batch(batchId).get("status").asText()).isEqualTo("pending");
        }
        assertThat(status(first, "+14155550202")).isEqualTo("pending");
        assertThat(status(second, "+14155550203")).isEqualTo("pending");
        assertThat(batch(first).get("total_calls_finished").asInt()).isEqualTo(1);
    }

    @Test
    void opting_out_a_batchs_last_waiting_recipient_completes_the_batch() {
        var batchId = scheduledBatch(agentId, "+14155550211");

        optOut("{\"phone_number\":\"+14155550211\"}");

        assertThat(batch(batchId).get("status").asText()).isEqualTo("completed");
        assertThat(eventTypes(batchId)).contains("recipient.cancelled", "batch.completed");
    }

    @Test
    void the_same_opt_out_twice_keeps_one_row_and_answers_the_first() {
        var first = optOut("{\"phone_number\":\"+14155550221\"}");
        var again = optOut("{\"phone_number\":\"+14155550221\",\"agent_id\":\"%s\"}".formatted(agentId));

        assertThat(again.get("created").asBoolean()).isFalse();
        assertThat(again.get("opt_out_id").asText())
                .isEqualTo(first.get("opt_out_id").asText());
        assertThat(again.get("agent_id").isNull()).isTrue();
        assertThat(fixtures.queryOne(
                        "SELECT count(*)::int FROM opt_outs WHERE number = :n",
                        Map.of("n", "+14155550221"),
                        Integer.class))
                .isEqualTo(1);
    }

    @Test
    void an_agent_scoped_opt_out_spares_other_agents_batches() {
        var mine = scheduledBatch(agentId, "+14155550231", "+14155550232");
        var theirs = scheduledBatch(otherAgentId, "+14155550231", "+14155550233");

        var recorded = optOut("{\"phone_number\":\"+14155550231\",\"agent_id\":\"%s\"}".formatted(agentId));

        assertThat(recorded.get("agent_id").asText()).isEqualTo(agentId);
        assertThat(recorded.get("cancelled_recipients").asInt()).isEqualTo(1);
        assertThat(status(mine, "+14155550231")).isEqualTo("cancelled");
        assertThat(status(theirs, "+14155550231")).isEqualTo("pending");
        var check = "/v1/batchcall/suppression/check?phone_number=%2B14155550231&agent_id=";
        assertThat(api.get(check + agentId).json().get("reason").asText()).isEqualTo("opted_out");
        assertThat(api.get(check + agentId).json().at("/matches/0/opt_out_id").asText())
                .isEqualTo(recorded.get("opt_out_id").asText());
        assertThat(api.get(check + otherAgentId).json().get("suppressed").asBoolean())
                .isFalse();
    }

    @Test
    void an_agent_opts_its_callee_out_with_its_call_token_alone() {
        var batchId = scheduledBatch(agentId, "+14155550241");
        var workspace = new WorkspaceId(fixtures.workspaceOf(TestServer.API_KEY));
        var conversations = new ConversationStore(database.database(), Clock.systemUTC(), IdSource.secure());
        var call = new PhoneCall(
                PhoneCall.OUTBOUND, "+14155550100", "+14155550241", PhoneCall.TWILIO, "CA9", Optional.empty());
        var conversationId = conversations
                .create(
                        workspace,
                        NewConversation.initiated(
                                agentId, batchId, "rcp_x", "phnum_x", Instant.now(), call, Optional.empty()))
                .id();
        var ref = new ConversationRef(workspace, conversationId);
        var path = "/agent/v1/conversations/" + conversationId + "/opt-out";

        var wrong = new ApiClient(server.port(), Map.of("Authorization", "Bearer " + workspace.value() + ".nope"))
                .post(path, "{}");
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(status(batchId, "+14155550241")).isEqualTo("pending");

        var agent = new ApiClient(server.port(), Map.of("Authorization", "Bearer " + tokens.token(ref)));
        var response = agent.post(path, "{\"reason\":\"said stop\"}");

        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        var recorded = response.json();
        assertThat(recorded.get("phone_number").asText()).isEqualTo("+14155550241");
        assertThat(recorded.get("channel").asText()).isEqualTo("agent");
        assertThat(recorded.get("conversation_id").asText()).isEqualTo(conversationId);
        assertThat(recorded.get("batch_id").asText()).isEqualTo(batchId);
        assertThat(recorded.get("agent_id").isNull()).isTrue();
        assertThat(status(batchId, "+14155550241")).isEqualTo("cancelled");
    }

    @Test
    void an_opt_out_by_api_key_may_name_the_conversation_instead_of_the_number() {
        var workspace = new WorkspaceId(fixtures.workspaceOf(TestServer.API_KEY));
        var conversations = new ConversationStore(database.database(), Clock.systemUTC(), IdSource.secure());
        var call = new PhoneCall(
                PhoneCall.OUTBOUND, "+14155550100", "+14155550251", PhoneCall.TWILIO, "CA8", Optional.empty());
        var conversationId = conversations
                .create(
                        workspace,
                        NewConversation.initiated(
                                agentId, "btcal_y", "rcp_y", "phnum_y", Instant.now(), call, Optional.empty()))
                .id();

        var recorded = optOut("{\"conversation_id\":\"%s\"}".formatted(conversationId));

        assertThat(recorded.get("phone_number").asText()).isEqualTo("+14155550251");
        assertThat(recorded.get("batch_id").asText()).isEqualTo("btcal_y");
        assertThat(api.post(OPT_OUTS, "{\"conversation_id\":\"conv_nope\"}").status())
                .isEqualTo(404);
    }

    @Test
    void opt_outs_export_newest_first_in_pages_and_since_a_time() {
        var before = Instant.now().getEpochSecond();
        optOut("{\"phone_number\":\"+14155550261\"}");
        optOut("{\"phone_number\":\"+14155550262\"}");
        optOut("{\"phone_number\":\"+14155550263\"}");

        var seen = new ArrayList<String>();
        String cursor = null;
        do {
            var page = api.get(OPT_OUTS + "?page_size=2&since=" + before + (cursor == null ? "" : "&cursor=" + cursor))
                    .json();
            assertThat(page.get("opt_outs")).hasSizeLessThanOrEqualTo(2);
            page.get("opt_outs").forEach(o -> seen.add(o.get("phone_number").asText()));
            cursor = page.get("has_more").asBoolean() ? page.get("next_cursor").asText() : null;
        } while (cursor != null);
        assertThat(seen).containsSubsequence("+14155550263", "+14155550262", "+14155550261");

        var later = api.get(OPT_OUTS + "?since=" + (Instant.now().getEpochSecond() + 60))
                .json();
        assertThat(later.get("opt_outs")).isEmpty();
    }

    @Test
    void an_opt_out_needs_a_valid_number_and_an_existing_agent() {
        var missing = api.post(OPT_OUTS, "{}");
        assertThat(missing.status()).isEqualTo(422);
        assertThat(missing.json().at("/detail/0/loc").toString()).isEqualTo("[\"body\",\"phone_number\"]");
        var invalid = api.post(OPT_OUTS, "{\"phone_number\":\"12\"}");
        assertThat(invalid.status()).isEqualTo(422);
        assertThat(invalid.json().at("/detail/0/type").asText()).isEqualTo("value_error");
        var unknown = api.post(OPT_OUTS, "{\"phone_number\":\"+14155550271\",\"agent_id\":\"agent_nope\"}");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(ApiClient.anonymous(server.port())
                        .post(OPT_OUTS, "{\"phone_number\":\"+14155550271\"}")
                        .status())
                .isEqualTo(401);
    }
}
