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

/** GET /v1/convai/conversations with ElevenLabs' filters: each narrows the list, in either order, page by page. */
@WithServer
class ConversationFiltersApiTest {
    private static final Instant T0 = Instant.parse("2026-06-01T08:00:00Z");

    private static TestServer server;
    private static DirectDatabase database;
    private static ConversationStore conversations;
    private static ApiClient api;
    private static String agentA;
    private static String agentB;
    private static String c1;
    private static String c2;
    private static String c3;
    private static String c4;

    @BeforeAll
    static void start() {
        database = new DirectDatabase(server);
        conversations = new ConversationStore(database.database(), Clock.systemUTC(), IdSource.secure());
        api = server.client(server.newWorkspaceKey("Filters"));
        var workspace = new WorkspaceId(workspaceId(api));
        agentA = agent(api, "{\"name\":\"A\"}");
        agentB = agent(api, "{\"name\":\"B\"}");
        c1 = create(
                workspace,
                agentA,
                ConversationStatus.DONE,
                CallSuccessful.SUCCESS,
                T0,
                10,
                "end_call tool",
                PhoneCall.TWILIO,
                "{\"user_id\":\"u1\",\"dynamic_variables\":{\"plan\":\"gold\",\"age\":42}}");
        c2 = create(
                workspace,
                agentA,
                ConversationStatus.FAILED,
                CallSuccessful.FAILURE,
                T0.plusSeconds(60),
                0,
                "busy",
                PhoneCall.SIP_TRUNKING,
                "{\"dynamic_variables\":{\"plan\":\"silver\",\"age\":\"17\"}}");
        c3 = create(
                workspace,
                agentB,
                ConversationStatus.INITIATED,
                CallSuccessful.UNKNOWN,
                T0.plusSeconds(120),
                300,
                null,
                PhoneCall.EXOTEL,
                "{\"user_id\":\"u2\"}");
        c4 = create(
                workspace,
                agentB,
                ConversationStatus.DONE,
                CallSuccessful.SUCCESS,
                T0.plusSeconds(180),
                45,
                "end_call tool",
                PhoneCall.TWILIO,
                null);
        // What agents report (AgentCallApiTest covers the report itself): verdicts and collected values.
        report(
                c1,
                "{\"value_framing\":{\"criteria_id\":\"value_framing\",\"result\":\"success\"}}",
                "{\"budget\":{\"data_collection_id\":\"budget\",\"value\":500}}");
        report(c2, "{}", "{\"budget\":{\"data_collection_id\":\"budget\",\"value\":\"50\"}}");
        report(
                c4,
                "{\"value_framing\":{\"criteria_id\":\"value_framing\",\"result\":\"failure\"}}",
                "{\"budget\":{\"data_collection_id\":\"budget\",\"value\":null}}");
    }

    private static void report(String id, String evaluations, String dataCollection) {
        database.jdbi()
                .useHandle(handle -> handle.createUpdate("""
                        UPDATE conversations SET evaluation_criteria_results = CAST(:evaluations AS jsonb),
                            data_collection_results = CAST(:dataCollection AS jsonb) WHERE id = :id""")
                        .bind("evaluations", evaluations)
                        .bind("dataCollection", dataCollection)
                        .bind("id", id)
                        .execute());
    }

    @AfterAll
    static void stop() {
        database.close();
    }

    @Test
    void each_filter_lists_exactly_the_conversations_that_match_it_newest_first() {
        assertThat(ids("")).containsExactly(c4, c3, c2, c1);
        assertThat(ids("call_successful=success")).containsExactly(c4, c1);
        assertThat(ids("call_successful=failure")).containsExactly(c2);
        assertThat(ids("call_start_after_unix=" + (T0.getEpochSecond() + 60))).containsExactly(c4, c3, c2);
        assertThat(ids("call_start_before_unix=" + (T0.getEpochSecond() + 120))).containsExactly(c2, c1);
        assertThat(ids("call_start_after_unix=" + (T0.getEpochSecond() + 1) + "&call_start_before_unix="
                        + (T0.getEpochSecond() + 121)))
                .containsExactly(c3, c2);
        assertThat(ids("call_duration_min_secs=10&call_duration_max_secs=45")).containsExactly(c4, c1);
        assertThat(ids("call_duration_min_secs=46")).containsExactly(c3);
        assertThat(ids("user_id=u1")).containsExactly(c1);
        assertThat(ids("exclude_statuses=initiated&exclude_statuses=failed")).containsExactly(c4, c1);
        assertThat(ids("termination_reasons=busy&termination_reasons=end_call%20tool"))
                .containsExactly(c4, c2, c1);
        assertThat(ids("agent_id=" + agentB)).containsExactly(c4, c3);
        assertThat(ids("visited_agent_ids=" + agentA)).containsExactly(c2, c1);
        assertThat(ids("conversation_initiation_source=exotel")).containsExactly(c3);
        assertThat(ids("conversation_initiation_source=sip_trunk")).containsExactly(c2);
        assertThat(ids("call_successful=success&agent_id=" + agentA)).containsExactly(c1);
    }

    @Test
    void evaluation_data_collection_and_dynamic_variable_filters_match_as_the_sdk_documents_them() {
        assertThat(ids("evaluation_params=value_framing:success")).containsExactly(c1);
        assertThat(ids("evaluation_params=value_framing:failure")).containsExactly(c4);
        assertThat(ids("dynamic_variable_params=plan:eq:gold")).containsExactly(c1);
        assertThat(ids("dynamic_variable_params=plan:in:gold%7Csilver")).containsExactly(c2, c1);
        assertThat(ids("dynamic_variable_params=age:gte:18")).containsExactly(c1);
        assertThat(ids("dynamic_variable_params=age:lt:18")).containsExactly(c2);
        assertThat(ids("dynamic_variable_params=plan:eq:")).containsExactly(c4, c3);
        assertThat(ids("dynamic_variable_params=plan:neq:")).containsExactly(c2, c1);
        assertThat(ids("dynamic_variable_params=plan:neq:gold")).containsExactly(c4, c3, c2);
        assertThat(ids("data_collection_params=budget:gt:100")).containsExactly(c1);
        assertThat(ids("data_collection_params=budget:lte:100")).containsExactly(c2);
        assertThat(ids("data_collection_params=budget:exists")).containsExactly(c2, c1);
        assertThat(ids("data_collection_params=budget:missing")).containsExactly(c4, c3);
        assertThat(ids("data_collection_params=budget:gt:100&dynamic_variable_params=plan:eq:gold"
                        + "&evaluation_params=value_framing:success"))
                .containsExactly(c1);
        assertThat(violations(api.get("/v1/convai/conversations?evaluation_params=value_framing"
                        + "&data_collection_params=budget:gt:lots&dynamic_variable_params=plan:like:g")))
                .containsExactly(
                        "[\"query\",\"evaluation_params\",0] value_error Value error, expected criteria_id:result with "
                                + "result success, failure or unknown",
                        "[\"query\",\"data_collection_params\",0] value_error Value error, gt needs a numeric value",
                        "[\"query\",\"dynamic_variable_params\",0] value_error Value error, expected id:op:value with "
                                + "op eq, neq, gt, gte, lt, lte or in");
    }

    @Test
    void data_collection_ids_and_evaluation_criteria_ids_add_those_results_to_each_summary() {
        var page = api.get("/v1/convai/conversations?data_collection_ids=budget&evaluation_criteria_ids=value_framing"
                        + "&evaluation_criteria_ids=tone")
                .json()
                .get("conversations");
        var plain = api.get("/v1/convai/conversations").json().get("conversations");

        assertThat(page.get(3).get("conversation_id").asText()).isEqualTo(c1);
        assertThat(page.get(3).get("data_collection_results").toString()).isEqualTo("{\"budget\":500}");
        assertThat(page.get(3).get("evaluation_criteria_results").toString())
                .isEqualTo("{\"value_framing\":{\"result\":\"success\"}}");
        assertThat(page.get(2).get("data_collection_results").toString()).isEqualTo("{\"budget\":\"50\"}");
        assertThat(page.get(1).get("data_collection_results").toString()).isEqualTo("{}");
        assertThat(plain.get(3).has("data_collection_results")).isFalse();
        assertThat(plain.get(3).has("evaluation_criteria_results")).isFalse();
    }

    @Test
    void values_no_batchcall_conversation_can_have_list_nothing_and_their_opposites_list_everything() {
        assertThat(ids("call_successful=error")).isEmpty();
        assertThat(ids("conversation_initiation_source=widget")).isEmpty();
        assertThat(ids("text_only=true")).isEmpty();
        assertThat(ids("conversation_product_type=speech_engine")).isEmpty();
        assertThat(ids("text_only=false&conversation_product_type=agents")).containsExactly(c4, c3, c2, c1);
        assertThat(ids("branch_id=agtbranch_none")).isEmpty();
    }

    @Test
    void sort_direction_asc_lists_oldest_first_and_summary_mode_include_adds_the_summary() {
        assertThat(ids("sort_direction=asc")).containsExactly(c1, c2, c3, c4);
        assertThat(ids("sort_direction=desc")).containsExactly(c4, c3, c2, c1);

        var included =
                api.get("/v1/convai/conversations?summary_mode=include").json().at("/conversations/0");
        var excluded = api.get("/v1/convai/conversations").json().at("/conversations/0");

        assertThat(included.has("transcript_summary")).isTrue();
        assertThat(excluded.has("transcript_summary")).isFalse();
        assertThat(excluded.get("direction").asText()).isEqualTo("outbound");
        assertThat(excluded.get("termination_reason").asText()).isEqualTo("end_call tool");
        assertThat(excluded.get("conversation_initiation_source").asText()).isEqualTo("twilio");
    }

    @Test
    void paging_a_filtered_list_shows_each_match_once_in_both_directions() {
        var client = server.client(server.newWorkspaceKey("Filtered pages"));
        var workspace = new WorkspaceId(workspaceId(client));
        var agentId = agent(client, "{\"name\":\"Pager\"}");
        var successes = new ArrayList<String>();
        for (int i = 0; i < 9; i++) {
            var outcome = i % 3 == 1 ? CallSuccessful.FAILURE : CallSuccessful.SUCCESS;
            // Two conversations per second: the keyset must order ties by id, not lose or repeat them.
            var id = create(
                    workspace,
                    agentId,
                    ConversationStatus.DONE,
                    outcome,
                    T0.plusSeconds(i / 2),
                    5,
                    "end_call tool",
                    PhoneCall.TWILIO,
                    null);
            if (outcome == CallSuccessful.SUCCESS) {
                successes.add(id);
            }
        }
        var oldestFirst = all(client, "call_successful=success&sort_direction=asc");
        var newestFirst = all(client, "call_successful=success");

        assertThat(oldestFirst)
                .hasSize(6)
                .containsExactlyInAnyOrderElementsOf(successes)
                .doesNotHaveDuplicates();
        assertThat(newestFirst).containsExactlyElementsOf(oldestFirst.reversed());
        assertThat(all(client, "call_successful=success&call_start_after_unix=" + (T0.getEpochSecond() + 2)))
                .hasSize(3);
    }

    @Test
    void a_filter_batchcall_cannot_honour_is_a_422_naming_it_never_ignored() {
        assertThat(violations(api.get(
                        "/v1/convai/conversations?rating_min=3&tool_names=transfer" + "&search=refund&tag_ids=tag_1")))
                .containsExactly(
                        "[\"query\",\"rating_min\"] unsupported_filter Value error, batchcall cannot honour rating_min: "
                                + "no user ratings are recorded",
                        "[\"query\",\"tool_names\"] unsupported_filter Value error, batchcall cannot honour tool_names: "
                                + "tool calls are not recorded",
                        "[\"query\",\"search\"] unsupported_filter Value error, batchcall cannot honour search: "
                                + "transcripts are not indexed for search",
                        "[\"query\",\"tag_ids\"] unsupported_filter Value error, batchcall cannot honour tag_ids: "
                                + "there are no conversation tags");
    }

    @Test
    void a_bad_filter_value_is_a_422_in_fastapis_shape() {
        assertThat(violations(api.get("/v1/convai/conversations?call_successful=maybe&sort_direction=up"
                        + "&exclude_statuses=done&exclude_statuses=gone&call_start_after_unix=yesterday&text_only=perhaps"
                        + "&call_duration_min_secs=99999999999")))
                .containsExactlyInAnyOrder(
                        "[\"query\",\"call_successful\"] enum Input should be 'success', 'failure', 'unknown' or "
                                + "'error'",
                        "[\"query\",\"sort_direction\"] enum Input should be 'asc' or 'desc'",
                        "[\"query\",\"exclude_statuses\",1] enum Input should be 'initiated', 'in-progress', "
                                + "'processing', 'done' or 'failed'",
                        "[\"query\",\"call_start_after_unix\"] int_parsing Input should be a valid integer, unable "
                                + "to parse string as an integer",
                        "[\"query\",\"text_only\"] bool_parsing Input should be a valid boolean, unable to "
                                + "interpret input",
                        "[\"query\",\"call_duration_min_secs\"] less_than_equal Input should be less than or "
                                + "equal to 2147483647");
    }

    @Test
    void the_openapi_document_marks_batch_call_id_as_our_extension_and_each_refused_filter() {
        var list = server.anonymous().get("/openapi.json").json().at("/paths/~1v1~1convai~1conversations/get");
        var byName = new java.util.HashMap<String, com.fasterxml.jackson.databind.JsonNode>();
        list.get("parameters").forEach(p -> byName.put(p.get("name").asText(), p));

        assertThat(byName.get("batch_call_id").get("x-batchcall-extension").asBoolean())
                .isTrue();
        assertThat(byName.get("call_successful").has("x-batchcall-extension")).isFalse();
        assertThat(byName.get("rating_min").get("x-batchcall-notes").asText()).startsWith("Refused with a 422");
        assertThat(byName.get("sort_direction").has("x-batchcall-notes")).isFalse();
    }

    private static List<String> ids(String query) {
        var response = api.get("/v1/convai/conversations?page_size=100&" + query);
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        var ids = new ArrayList<String>();
        response.json()
                .get("conversations")
                .forEach(c -> ids.add(c.get("conversation_id").asText()));
        return ids;
    }

    private static List<String> all(ApiClient client, String query) {
        var seen = new ArrayList<String>();
        String cursor = null;
        do {
            var page = client.get("/v1/convai/conversations?page_size=2&" + query
                            + (cursor == null ? "" : "&cursor=" + cursor))
                    .json();
            page.get("conversations")
                    .forEach(c -> seen.add(c.get("conversation_id").asText()));
            cursor = page.get("has_more").asBoolean() ? page.get("next_cursor").asText() : null;
        } while (cursor != null);
        return seen;
    }

    private static String create(
            WorkspaceId workspace,
            String agentId,
            ConversationStatus status,
            CallSuccessful success,
            Instant start,
            int duration,
            String terminationReason,
            String type,
            String clientData) {
        var call = new PhoneCall(PhoneCall.OUTBOUND, "+14155552671", "+14155550000", type, "CA", Optional.empty());
        return conversations
                .create(
                        workspace,
                        new NewConversation(
                                agentId,
                                Optional.empty(),
                                Optional.empty(),
                                Optional.of("phnum_1"),
                                status,
                                success,
                                start,
                                duration,
                                Optional.ofNullable(terminationReason),
                                Optional.of(call),
                                Optional.ofNullable(clientData),
                                "[]"))
                .id();
    }
}
