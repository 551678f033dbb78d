package io.batchcall.api;

import static io.batchcall.support.ApiCalls.agent;
import static io.batchcall.support.ApiCalls.violations;
import static io.batchcall.support.ApiCalls.workspaceId;
import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.CallSuccessful;
import io.batchcall.domain.ConversationStatus;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.NewConversation;
import io.batchcall.domain.PhoneCall;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.ConversationStore;
import io.batchcall.support.ApiClient;
import io.batchcall.support.DirectDatabase;
import io.batchcall.support.TestServer;
import io.batchcall.support.WithServer;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

@WithServer
class ConversationApiTest {
    private static final Instant START = Instant.parse("2026-05-01T10:00:00Z");

    private static TestServer server;
    private static DirectDatabase database;
    private static ConversationStore conversations;
    private static ApiClient api;

    @BeforeAll
    static void start() {
        database = new DirectDatabase(server);
        conversations = new ConversationStore(database.database(), Clock.systemUTC(), IdSource.secure());
        api = server.client();
    }

    @AfterAll
    static void stop() {
        database.close();
    }

    @Test
    void a_batch_conversation_has_every_key_the_official_sdk_requires() {
        var agentId = agent(api, "{\"name\":\"Talker\"}");
        var call = new PhoneCall(
                PhoneCall.OUTBOUND, "+14155552671", "+14155550000", PhoneCall.SIP_TRUNKING, "call-1", Optional.empty());
        var id = conversations
                .create(
                        workspace(api),
                        NewConversation.initiated(
                                agentId,
                                "btcal_1",
                                "rcp_1",
                                "phnum_1",
                                START,
                                call,
                                Optional.of("{\"dynamic_variables\":{\"first_name\":\"Ann\"}}")))
                .id();

        var response = api.get("/v1/convai/conversations/" + id);

        assertThat(response.status()).isEqualTo(200);
        var c = response.json();
        assertThat(id).startsWith("conv_");
        assertThat(c.get("agent_id").asText()).isEqualTo(agentId);
        assertThat(c.get("agent_name").asText()).isEqualTo("Talker");
        assertThat(c.get("conversation_id").asText()).isEqualTo(id);
        assertThat(c.get("status").asText()).isEqualTo("initiated");
        assertThat(c.get("transcript").toString()).isEqualTo("[]");
        for (var audio : List.of("has_audio", "has_user_audio", "has_response_audio", "has_auxiliary_audio")) {
            assertThat(c.get(audio).isBoolean() && !c.get(audio).asBoolean())
                    .as(audio)
                    .isTrue();
        }
        assertThat(c.at("/metadata/start_time_unix_secs").asLong()).isEqualTo(START.getEpochSecond());
        assertThat(c.at("/metadata/call_duration_secs").asInt()).isZero();
        assertThat(c.at("/metadata/termination_reason").asText()).isEmpty();
        assertThat(c.at("/metadata/batch_call").toString())
                .isEqualTo("{\"batch_call_id\":\"btcal_1\",\"batch_call_recipient_id\":\"rcp_1\"}");
        assertThat(c.at("/metadata/phone_call").toString())
                .isEqualTo("{\"direction\":\"outbound\","
                        + "\"phone_number_id\":\"phnum_1\",\"agent_number\":\"+14155552671\","
                        + "\"external_number\":\"+14155550000\",\"type\":\"sip_trunking\",\"call_sid\":\"call-1\","
                        + "\"stream_sid\":\"\"}");
        assertThat(c.at("/conversation_initiation_client_data/dynamic_variables/first_name")
                        .asText())
                .isEqualTo("Ann");
    }

    @Test
    void a_finished_conversation_shows_its_outcome_and_one_outside_a_batch_has_no_batch_call() {
        var agentId = agent(api, "{\"name\":\"Closer\"}");
        var id = conversations
                .create(
                        workspace(api),
                        new NewConversation(
                                agentId,
                                Optional.empty(),
                                Optional.empty(),
                                Optional.empty(),
                                ConversationStatus.DONE,
                                CallSuccessful.SUCCESS,
                                START,
                                42,
                                Optional.of("end_call tool"),
                                Optional.of(new PhoneCall(
                                        PhoneCall.OUTBOUND, "+1", "+2", PhoneCall.TWILIO, "CA1", Optional.of("MZ1"))),
                                Optional.empty(),
                                "[{\"role\":\"agent\",\"message\":\"Hi\"},{\"role\":\"user\",\"message\":\"Bye\"}]"))
                .id();

        var c = api.get("/v1/convai/conversations/" + id).json();

        assertThat(c.get("status").asText()).isEqualTo("done");
        assertThat(c.get("transcript")).hasSize(2);
        assertThat(c.at("/metadata/call_duration_secs").asInt()).isEqualTo(42);
        assertThat(c.at("/metadata/termination_reason").asText()).isEqualTo("end_call tool");
        assertThat(c.at("/metadata/batch_call").isNull()).isTrue();
        assertThat(c.at("/metadata/phone_call/type").asText()).isEqualTo("twilio");
        assertThat(c.at("/metadata/phone_call/stream_sid").asText()).isEqualTo("MZ1");
        assertThat(c.get("conversation_initiation_client_data").isNull()).isTrue();
        var summary =
                api.get("/v1/convai/conversations?agent_id=" + agentId).json().at("/conversations/0");
        assertThat(summary.toString())
                .isEqualTo("{\"agent_id\":\"" + agentId + "\",\"agent_name\":\"Closer\","
                        + "\"branch_id\":null,\"conversation_id\":\"" + id + "\",\"start_time_unix_secs\":"
                        + START.getEpochSecond() + ",\"call_duration_secs\":42,\"message_count\":2,\"status\":\"done\","
                        + "\"termination_reason\":\"end_call tool\",\"call_successful\":\"success\","
                        + "\"direction\":\"outbound\",\"conversation_initiation_source\":\"twilio\"}");
    }

    @Test
    void paging_shows_each_conversation_once_newest_first_and_filters_by_agent_and_batch() {
        var client = server.client(server.newWorkspaceKey("Conversations"));
        var workspace = workspace(client);
        var agentId = agent(client, "{\"name\":\"Pager\"}");
        var otherAgent = agent(client, "{\"name\":\"Other\"}");
        var expected = new ArrayList<String>();
        for (int i = 0; i < 5; i++) {
            expected.addFirst(create(workspace, agentId, "btcal_a", START.plusSeconds(i)));
        }
        var other = create(workspace, otherAgent, "btcal_b", START.plusSeconds(100));

        var seen = new ArrayList<String>();
        String cursor = null;
        do {
            var page = client.get("/v1/convai/conversations?page_size=2&agent_id=" + agentId
                            + (cursor == null ? "" : "&cursor=" + cursor))
                    .json();
            page.get("conversations")
                    .forEach(c -> seen.add(c.get("conversation_id").asText()));
            cursor = page.get("has_more").asBoolean() ? page.get("next_cursor").asText() : null;
        } while (cursor != null);

        assertThat(seen).containsExactlyElementsOf(expected);
        assertThat(client.get("/v1/convai/conversations?batch_call_id=btcal_b")
                        .json()
                        .get("conversations"))
                .extracting(c -> c.get("conversation_id").asText())
                .containsExactly(other);
        assertThat(client.get("/v1/convai/conversations").json().get("conversations"))
                .hasSize(6);
    }

    @Test
    void unknown_and_foreign_conversations_are_404_and_foreign_ones_are_never_listed() {
        var agentId = agent(api, "{\"name\":\"Private talker\"}");
        var id = create(workspace(api), agentId, "btcal_private", START);
        var other = server.client(server.newWorkspaceKey("Snoop"));

        for (var response :
                List.of(api.get("/v1/convai/conversations/conv_nope"), other.get("/v1/convai/conversations/" + id))) {
            assertThat(response.status()).isEqualTo(404);
            assertThat(response.json().at("/detail/status").asText()).isEqualTo("conversation_not_found");
        }
        assertThat(other.get("/v1/convai/conversations").json().get("conversations"))
                .isEmpty();
        assertThat(other.get("/v1/convai/conversations?agent_id=" + agentId)
                        .json()
                        .get("conversations"))
                .isEmpty();
    }

    @Test
    void delete_removes_an_ended_conversation_refuses_a_ringing_one_and_never_touches_another_workspaces() {
        var agentId = agent(api, "{\"name\":\"Deleter\"}");
        var ringing = create(workspace(api), agentId, "btcal_del", START);
        var ended = conversations
                .create(
                        workspace(api),
                        new NewConversation(
                                agentId,
                                Optional.empty(),
                                Optional.empty(),
                                Optional.empty(),
                                ConversationStatus.FAILED,
                                CallSuccessful.FAILURE,
                                START,
                                0,
                                Optional.of("busy"),
                                Optional.empty(),
                                Optional.empty(),
                                "[]"))
                .id();
        var other = server.client(server.newWorkspaceKey("Other deleter"));

        var foreign = other.delete("/v1/convai/conversations/" + ended);
        var refused = api.delete("/v1/convai/conversations/" + ringing);
        var deleted = api.delete("/v1/convai/conversations/" + ended);

        assertThat(foreign.status()).isEqualTo(404);
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.json().at("/detail/status").asText()).isEqualTo("conversation_in_progress");
        assertThat(api.get("/v1/convai/conversations/" + ringing).status()).isEqualTo(200);
        assertThat(deleted.status()).isEqualTo(200);
        assertThat(deleted.body()).isEqualTo("{}");
        assertThat(api.get("/v1/convai/conversations/" + ended).status()).isEqualTo(404);
        assertThat(api.get("/v1/convai/conversations/" + ended + "/audio").status())
                .isEqualTo(404);
    }

    @Test
    void a_conversation_without_a_recording_has_no_audio() {
        var agentId = agent(api, "{\"name\":\"Silent\"}");
        var id = create(workspace(api), agentId, "btcal_silent", START);

        var audio = api.get("/v1/convai/conversations/" + id + "/audio");

        assertThat(audio.status()).isEqualTo(404);
        assertThat(audio.json().at("/detail/status").asText()).isEqualTo("audio_not_found");
        assertThat(api.get("/v1/convai/conversations/" + id)
                        .json()
                        .get("has_audio")
                        .asBoolean())
                .isFalse();
        assertThat(api.get("/v1/convai/conversations/" + id)
                        .json()
                        .at("/metadata/cost_fiat")
                        .isNull())
                .isTrue();
    }

    @Test
    void a_bad_page_size_or_cursor_is_a_422() {
        assertThat(violations(api.get("/v1/convai/conversations?page_size=0")))
                .containsExactly(
                        "[\"query\",\"page_size\"] greater_than_equal Input should be greater than or equal to 1");
        assertThat(violations(api.get("/v1/convai/conversations?cursor=bm9wZQ")))
                .containsExactly("[\"query\",\"cursor\"] value_error Value error, not a cursor this server returned");
    }

    private static String create(WorkspaceId workspace, String agentId, String batchId, Instant start) {
        var call = new PhoneCall(
                PhoneCall.OUTBOUND, "+14155552671", "+14155550000", PhoneCall.TWILIO, "CA", Optional.empty());
        return conversations
                .create(
                        workspace,
                        NewConversation.initiated(agentId, batchId, "rcp", "phnum", start, call, Optional.empty()))
                .id();
    }

    private static WorkspaceId workspace(ApiClient client) {
        return new WorkspaceId(workspaceId(client));
    }
}
