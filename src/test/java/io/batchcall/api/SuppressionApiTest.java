package io.batchcall.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.support.ApiClient;
import io.batchcall.support.Fixtures;
import io.batchcall.support.HttpResult;
import io.batchcall.support.TestServer;
import io.batchcall.support.WithServer;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Do-not-call lists through the real server: lists, JSON and CSV imports with their reports, exports, removal,
 * the check endpoint, and what submit and validate say about suppressed recipients.
 */
@WithServer
class SuppressionApiTest {
    private static final String LISTS = "/v1/batchcall/suppression-lists";
    private static final String SUBMIT = "/v1/convai/batch-calling/submit";

    private static TestServer server;
    private static Fixtures fixtures;
    private static ApiClient api;
    private static String agentId;
    private static String otherAgentId;

    @BeforeAll
    static void start() {
        fixtures = new Fixtures(server);
        api = server.client();
        agentId = fixtures.agent(TestServer.API_KEY, "Collections");
        otherAgentId = fixtures.agent(TestServer.API_KEY, "Surveys");
        fixtures.phoneNumber(TestServer.API_KEY, agentId);
    }

    private static String createList(String body) {
        var created = api.post(LISTS, body);
        assertThat(created.status()).as(created.toString()).isEqualTo(200);
        return created.json().get("list_id").asText();
    }

    private static JsonNode addNumbers(String listId, String json) {
        var added = api.post(LISTS + "/" + listId + "/entries", json);
        assertThat(added.status()).as(added.toString()).isEqualTo(200);
        return added.json();
    }

    private static HttpResult check(String number, String agent) {
        return api.get("/v1/batchcall/suppression/check?phone_number="
                + URLEncoder.encode(number, StandardCharsets.UTF_8) + (agent == null ? "" : "&agent_id=" + agent));
    }

    private static List<String> shownNumbers(JsonNode entries) {
        var numbers = new ArrayList<String>();
        entries.forEach(e -> numbers.add(e.get("number").asText()));
        return numbers;
    }

    @Test
    void lists_are_created_read_listed_in_pages_and_deleted_with_their_entries() {
        var first = createList("{\"name\":\"Litigators\"}");
        var second = createList("{\"name\":\"Collections only\",\"agent_id\":\"%s\"}".formatted(agentId));
        addNumbers(second, "{\"numbers\":[\"+13125550101\"]}");

        var read = api.get(LISTS + "/" + second).json();
        assertThat(read.get("name").asText()).isEqualTo("Collections only");
        assertThat(read.get("agent_id").asText()).isEqualTo(agentId);
        assertThat(read.get("entry_count").asLong()).isEqualTo(1);
        assertThat(api.get(LISTS + "/" + first).json().get("agent_id").isNull()).isTrue();

        var seen = new ArrayList<String>();
        String cursor = null;
        do {
            var page = api.get(LISTS + "?page_size=1" + (cursor == null ? "" : "&cursor=" + cursor))
                    .json();
            assertThat(page.get("suppression_lists")).hasSizeLessThanOrEqualTo(1);
            page.get("suppression_lists").forEach(l -> seen.add(l.get("list_id").asText()));
            cursor = page.get("has_more").asBoolean() ? page.get("next_cursor").asText() : null;
        } while (cursor != null);
        assertThat(seen).containsSubsequence(second, first).doesNotHaveDuplicates();

        assertThat(api.delete(LISTS + "/" + second).status()).isEqualTo(200);
        assertThat(api.get(LISTS + "/" + second).status()).isEqualTo(404);
        assertThat(check("+13125550101", agentId).json().get("suppressed").asBoolean())
                .isFalse();
        assertThat(api.delete(LISTS + "/" + second).status()).isEqualTo(404);
    }

    @Test
    void a_list_needs_a_name_and_an_existing_agent() {
        var nameless = api.post(LISTS, "{\"agent_id\":\"%s\"}".formatted(agentId));
        assertThat(nameless.status()).isEqualTo(422);
        assertThat(nameless.json().at("/detail/0/loc").toString()).isEqualTo("[\"body\",\"name\"]");

        var unknown = api.post(LISTS, "{\"name\":\"x\",\"agent_id\":\"agent_nope\"}");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().at("/detail/status").asText()).isEqualTo("agent_not_found");

        assertThat(api.get(LISTS + "/dncl_nope").json().at("/detail/status").asText())
                .isEqualTo("suppression_list_not_found");
        assertThat(api.post(LISTS + "/dncl_nope/entries", "{\"numbers\":[\"+13125550199\"]}")
                        .status())
                .isEqualTo(404);
    }

    @Test
    void a_json_import_adds_valid_numbers_reports_invalid_ones_and_counts_duplicates() {
        var list = createList("{\"name\":\"Requests\"}");

        var report = addNumbers(list, """
                {"numbers":["+1 (646) 555-0101","6465550102","+1646555*","12345","+16465550101"],
                 "reason":"customer asked"}""");

        assertThat(report.get("added").asInt()).isEqualTo(3);
        assertThat(report.get("duplicates").asInt()).isEqualTo(1);
        assertThat(report.get("invalid")).hasSize(1);
        assertThat(report.at("/invalid/0/row").asInt()).isEqualTo(3);
        assertThat(report.at("/invalid/0/value").asText()).isEqualTo("12345");
        assertThat(report.at("/invalid/0/reason").asText()).contains("E.164");

        var again = addNumbers(list, "{\"numbers\":[\"+16465550102\",\"+16465550103\"]}");
        assertThat(again.get("added").asInt()).isEqualTo(1);
        assertThat(again.get("duplicates").asInt()).isEqualTo(1);

        var entries = api.get(LISTS + "/" + list + "/entries").json().get("entries");
        assertThat(shownNumbers(entries))
                .containsExactlyInAnyOrder("+16465550101", "+16465550102", "+1646555*", "+16465550103");
        var first =
                api.get(LISTS + "/" + list + "/entries?page_size=100").json().get("entries");
        first.forEach(e -> {
            if (e.get("number").asText().equals("+1646555*")) {
                assertThat(e.get("is_prefix").asBoolean()).isTrue();
                assertThat(e.get("reason").asText()).isEqualTo("customer asked");
                assertThat(e.get("source").asText()).isEqualTo("api");
            }
        });
    }

    @Test
    void a_csv_import_skips_its_header_reports_bad_lines_and_an_all_bad_file_is_still_a_report() {
        var list = createList("{\"name\":\"From the CRM\"}");

        var report = api.postText(LISTS + "/" + list + "/entries", "text/csv", """
                phone_number,name
                +17185550101,Ann

                7185550102,Ben
                not a number,Cy
                "+1 718 555 0103",Dee
                """);

        assertThat(report.status()).as(report.toString()).isEqualTo(200);
        assertThat(report.json().get("added").asInt()).isEqualTo(3);
        assertThat(report.json().get("invalid")).hasSize(1);
        assertThat(report.json().at("/invalid/0/row").asInt()).isEqualTo(5);
        assertThat(report.json().at("/invalid/0/value").asText()).isEqualTo("not a number");

        var allBad = api.postText(LISTS + "/" + list + "/entries", "text/csv", "12\n+99\n");
        assertThat(allBad.status()).isEqualTo(200);
        assertThat(allBad.json().get("added").asInt()).isZero();
        assertThat(allBad.json().get("invalid_count").asInt()).isEqualTo(2);

        assertThat(api.postText(LISTS + "/" + list + "/entries", "text/csv", "\n\n")
                        .status())
                .isEqualTo(422);
    }

    @Test
    void an_import_is_limited_to_100000_rows_and_10_mb() {
        var list = createList("{\"name\":\"Big\"}");
        var rows = new StringBuilder("phone_number\n");
        for (int i = 0; i <= 100_000; i++) {
            rows.append("+1").append(2_025_550_000L + i % 10_000).append('\n');
        }

        var tooMany = api.postText(LISTS + "/" + list + "/entries", "text/csv", rows.toString());
        assertThat(tooMany.status()).as(tooMany.toString()).isEqualTo(422);
        assertThat(tooMany.json().at("/detail/0/type").asText()).isEqualTo("too_long");

        var tooLarge =
                api.postTextAskingFirst(LISTS + "/" + list + "/entries", "text/csv", "+12025550100\n".repeat(900_000));
        assertThat(tooLarge.status()).isEqualTo(413);
        assertThat(tooLarge.json().at("/detail/status").asText()).isEqualTo("file_too_large");
        assertThat(api.get(LISTS + "/" + list).json().get("entry_count").asInt())
                .isZero();
    }

    @Test
    void entries_export_in_json_pages_and_as_a_csv_that_imports_back_unchanged() {
        var list = createList("{\"name\":\"Export me\"}");
        addNumbers(list, "{\"numbers\":[\"+16175550101\",\"+16175550102\",\"+1617556*\"],\"reason\":\"a, b\"}");

        var paged = new ArrayList<String>();
        String cursor = null;
        do {
            var page = api.get(
                            LISTS + "/" + list + "/entries?page_size=2" + (cursor == null ? "" : "&cursor=" + cursor))
                    .json();
            paged.addAll(shownNumbers(page.get("entries")));
            cursor = page.get("has_more").asBoolean() ? page.get("next_cursor").asText() : null;
        } while (cursor != null);
        assertThat(paged).containsExactlyInAnyOrder("+16175550101", "+16175550102", "+1617556*");

        var csv = new ApiClient(server.port(), Map.of("xi-api-key", TestServer.API_KEY, "Accept", "text/csv"))
                .get(LISTS + "/" + list + "/entries");
        assertThat(csv.status()).isEqualTo(200);
        assertThat(csv.headers().firstValue("Content-Type").orElse("")).startsWith("text/csv");
        assertThat(csv.body().lines().toList()).first().isEqualTo("phone_number,is_prefix,source,reason,added_at_unix");
        assertThat(csv.body()).contains("+1617556*,true,api,\"a, b\",");

        var copy = createList("{\"name\":\"Copy\"}");
        var imported = api.postText(LISTS + "/" + copy + "/entries", "text/csv", csv.body());
        assertThat(imported.json().get("added").asInt()).isEqualTo(3);
        assertThat(imported.json().get("invalid")).isEmpty();
    }

    @Test
    void an_entry_is_removed_by_its_url_encoded_number_and_a_prefix_by_its_star() {
        var list = createList("{\"name\":\"Removals\"}");
        addNumbers(list, "{\"numbers\":[\"+12125550101\",\"+1212556*\"]}");

        // A client that leaves "+" unencoded is understood too.
        assertThat(api.delete(LISTS + "/" + list + "/entries/+12125550101").status())
                .isEqualTo(200);
        assertThat(api.delete(LISTS + "/" + list + "/entries/%2B1212556%2A").status())
                .isEqualTo(200);

        assertThat(api.get(LISTS + "/" + list + "/entries").json().get("entries"))
                .isEmpty();
        var missing = api.delete(LISTS + "/" + list + "/entries/%2B12125550101");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.json().at("/detail/status").asText()).isEqualTo("suppression_entry_not_found");
        assertThat(api.delete(LISTS + "/" + list + "/entries/abc").status()).isEqualTo(422);
        assertThat(api.delete(LISTS + "/dncl_nope/entries/%2B12125550101").status())
                .isEqualTo(404);
    }

    @Test
    void check_shows_exact_and_prefix_matches_and_an_agents_list_only_for_that_agent() {
        var workspaceList = createList("{\"name\":\"Area 201\"}");
        addNumbers(workspaceList, "{\"numbers\":[\"+1201555*\"]}");
        var agentList = createList("{\"name\":\"Agent's\",\"agent_id\":\"%s\"}".formatted(agentId));
        addNumbers(agentList, "{\"numbers\":[\"+13055550101\"]}");

        var prefixed = check("+12015550199", null);
        assertThat(prefixed.status()).as(prefixed.toString()).isEqualTo(200);
        assertThat(prefixed.json().get("suppressed").asBoolean()).isTrue();
        assertThat(prefixed.json().get("reason").asText()).isEqualTo("dnc");
        assertThat(prefixed.json().at("/matches/0/list_id").asText()).isEqualTo(workspaceList);
        assertThat(prefixed.json().at("/matches/0/number").asText()).isEqualTo("+1201555*");
        assertThat(prefixed.json().at("/matches/0/is_prefix").asBoolean()).isTrue();

        assertThat(check("+13055550101", agentId).json().get("reason").asText()).isEqualTo("dnc");
        var otherAgent = check("+13055550101", otherAgentId).json();
        assertThat(otherAgent.get("suppressed").asBoolean()).isFalse();
        assertThat(otherAgent.get("reason").isNull()).isTrue();
        assertThat(otherAgent.get("matches")).isEmpty();
        assertThat(check("+13055550101", null).json().get("suppressed").asBoolean())
                .isFalse();

        assertThat(check("nonsense", null).status()).isEqualTo(422);
        assertThat(api.get("/v1/batchcall/suppression/check").status()).isEqualTo(422);
        assertThat(check("+13055550101", "agent_nope").status()).isEqualTo(404);
    }

    @Test
    void a_number_both_listed_and_opted_out_shows_the_opt_out_as_its_reason_the_persons_own_request() {
        var list = createList("{\"name\":\"Listed and opted out\"}");
        addNumbers(list, "{\"numbers\":[\"+12125550177\", \"+12125550178\"]}");
        var optedOut = api.post("/v1/batchcall/opt-outs", "{\"phone_number\":\"+12125550177\"}");
        assertThat(optedOut.status()).as(optedOut.toString()).isEqualTo(200);

        var both = check("+12125550177", null).json();
        assertThat(both.get("suppressed").asBoolean()).isTrue();
        assertThat(both.get("reason").asText()).isEqualTo("opted_out");
        assertThat(both.get("matches")).hasSize(2);
        assertThat(check("+12125550178", null).json().get("reason").asText()).isEqualTo("dnc");
    }

    @Test
    void submit_counts_suppressed_recipients_and_with_refuse_names_each_and_stores_nothing() {
        var list = createList("{\"name\":\"Submit check\"}");
        addNumbers(list, "{\"numbers\":[\"+14045550101\",\"+1404556*\"]}");
        var recipients = """
                [{"phone_number":"+14045550100"},{"phone_number":"+14045550101"},{"phone_number":"+14045560001"}]""";

        var skipped = api.post(SUBMIT, """
                {"call_name":"Skip","agent_id":"%s","recipients":%s}""".formatted(agentId, recipients));
        assertThat(skipped.status()).as(skipped.toString()).isEqualTo(200);
        assertThat(skipped.json().get("suppressed_recipients").asInt()).isEqualTo(2);
        assertThat(skipped.json().get("total_calls_scheduled").asInt()).isEqualTo(3);

        int before = countBatches();
        var refused = api.post(SUBMIT, """
                {"call_name":"Refuse","agent_id":"%s","suppressed":"refuse","recipients":%s}""".formatted(agentId, recipients));
        assertThat(refused.status()).as(refused.toString()).isEqualTo(422);
        var detail = refused.json().get("detail");
        assertThat(detail).hasSize(2);
        assertThat(detail.get(0).get("loc").toString()).isEqualTo("[\"body\",\"recipients\",1,\"phone_number\"]");
        assertThat(detail.get(0).get("type").asText()).isEqualTo("dnc");
        assertThat(detail.get(1).get("loc").toString()).isEqualTo("[\"body\",\"recipients\",2,\"phone_number\"]");
        assertThat(countBatches()).isEqualTo(before);

        var bad = api.post(SUBMIT, """
                {"call_name":"Bad","agent_id":"%s","suppressed":"maybe","recipients":%s}""".formatted(agentId, recipients));
        assertThat(bad.status()).isEqualTo(422);
        assertThat(bad.json().at("/detail/0/loc").toString()).isEqualTo("[\"body\",\"suppressed\"]");
    }

    @Test
    void validate_reports_which_rows_are_suppressed_and_why() {
        var list = createList("{\"name\":\"Validate check\",\"agent_id\":\"%s\"}".formatted(agentId));
        addNumbers(list, "{\"numbers\":[\"+15035550102\"]}");

        var csv = "phone_number,name\n+15035550101,Ann\n+15035550102,Ben\n".getBytes(StandardCharsets.UTF_8);
        var forAgent = api.postFile(
                "/v1/convai/batch-calling/recipients/validate?agent_id=" + agentId, "file", "people.csv", csv);
        assertThat(forAgent.status()).as(forAgent.toString()).isEqualTo(200);
        assertThat(forAgent.json().get("recipients")).hasSize(2);
        assertThat(forAgent.json().get("suppressed")).hasSize(1);
        assertThat(forAgent.json().at("/suppressed/0/row").asInt()).isEqualTo(3);
        assertThat(forAgent.json().at("/suppressed/0/index").asInt()).isEqualTo(1);
        assertThat(forAgent.json().at("/suppressed/0/phone_number").asText()).isEqualTo("+15035550102");
        assertThat(forAgent.json().at("/suppressed/0/reason").asText()).isEqualTo("dnc");

        var workspaceOnly = api.postFile("/v1/convai/batch-calling/recipients/validate", "file", "people.csv", csv);
        assertThat(workspaceOnly.json().get("suppressed")).isEmpty();
    }

    private static int countBatches() {
        return fixtures.queryOne(
                "SELECT count(*)::int FROM batches WHERE workspace_id = :w",
                Map.of("w", fixtures.workspaceOf(TestServer.API_KEY)),
                Integer.class);
    }
}
