package io.batchcall.api.batch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.support.ApiClient;
import io.batchcall.support.Fixtures;
import io.batchcall.support.HttpResult;
import io.batchcall.support.TestServer;
import io.batchcall.support.WithServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Calling windows through the API: the workspace's and agents' defaults, a submit's own window and which one a batch
 * gets, the recipients' time zones and regions, and the 422s for bad input.
 */
@WithServer
class CallingWindowApiTest {
    private static TestServer server;
    private static Fixtures fixtures;

    @BeforeAll
    static void start() {
        fixtures = new Fixtures(server);
    }

    /** A workspace of its own, so that its defaults do not leak into other tests. */
    private record Space(ApiClient api, String key, String agentId) {}

    private static Space space(String name) {
        var key = server.newWorkspaceKey(name);
        var agentId = fixtures.agent(key, "Agent of " + name);
        fixtures.phoneNumber(key, agentId);
        return new Space(server.client(key), key, agentId);
    }

    private static List<String> violations(HttpResult response) {
        assertThat(response.status()).as(response.toString()).isEqualTo(422);
        var found = new ArrayList<String>();
        response.json().get("detail").forEach(v -> found.add(v.get("loc").toString()));
        return found;
    }

    private static JsonNode storedWindow(String batchId) {
        var text = fixtures.queryOne(
                "SELECT coalesce(calling_window::text, 'null') FROM batches WHERE id = :id",
                Map.of("id", batchId),
                String.class);
        return text.equals("null") ? null : readTree(text);
    }

    private static JsonNode readTree(String text) {
        try {
            return io.batchcall.wire.WireJson.MAPPER.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new AssertionError(e);
        }
    }

    private static String submit(Space space, String extra) {
        var response = space.api().post("/v1/convai/batch-calling/submit", """
                {"call_name":"Windowed","agent_id":"%s","recipients":[{"phone_number":"+12704424567"}]%s}""".formatted(space.agentId(), extra));
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json().get("id").asText();
    }

    @Test
    void the_workspace_default_is_stored_normalised_shown_and_deleted_keeping_the_jurisdiction_rules() {
        var space = space("windows-workspace");
        var initial = space.api().get("/v1/batchcall/workspace/calling-window");
        assertThat(initial.status()).isEqualTo(200);
        assertThat(initial.json().get("calling_window").isNull()).isTrue();
        assertThat(initial.json().get("jurisdiction_rules").asText()).isEqualTo("enforce");

        var put = space.api().put("/v1/batchcall/workspace/calling-window", """
                {"calling_window": {"days": ["mon","fri"], "start": "09:00", "end": "17:30", "holidays": "auto"},
                 "jurisdiction_rules": "warn"}""");
        assertThat(put.status()).as(put.toString()).isEqualTo(200);
        var shown = space.api().get("/v1/batchcall/workspace/calling-window").json();
        // jsonb keeps keys in its own order: compare per day.
        assertThat(shown.at("/calling_window/hours").size()).isEqualTo(2);
        assertThat(shown.at("/calling_window/hours/mon").toString()).isEqualTo("[[\"09:00\",\"17:30\"]]");
        assertThat(shown.at("/calling_window/hours/fri").toString()).isEqualTo("[[\"09:00\",\"17:30\"]]");
        assertThat(shown.at("/calling_window/holidays").asText()).isEqualTo("auto");
        assertThat(shown.get("jurisdiction_rules").asText()).isEqualTo("warn");

        var deleted = space.api().delete("/v1/batchcall/workspace/calling-window");
        assertThat(deleted.status()).isEqualTo(200);
        assertThat(deleted.json().get("calling_window").isNull()).isTrue();
        assertThat(deleted.json().get("jurisdiction_rules").asText()).isEqualTo("warn");
    }

    @Test
    void a_holiday_calendar_that_does_not_exist_is_a_422_naming_the_ones_that_do() {
        var space = space("windows-calendars");
        var noCountry = space.api().put("/v1/batchcall/workspace/calling-window", """
                {"calling_window": {"start": "09:00", "end": "17:00", "holidays": {"country": "XX"}}}""");
        var noSubdivision = space.api().put("/v1/batchcall/workspace/calling-window", """
                {"calling_window": {"start": "09:00", "end": "17:00",
                 "holidays": {"country": "US", "subdivision": "US-ZZ"}}}""");
        var onSubmit = space.api().post("/v1/convai/batch-calling/submit", """
                {"call_name":"W","agent_id":"%s","recipients":[{"phone_number":"+12704424567"}],
                 "calling_window": {"start": "09:00", "end": "17:00", "holidays": {"country": "XX"}}}""".formatted(space.agentId()));
        var national = space.api().put("/v1/batchcall/workspace/calling-window", """
                {"calling_window": {"start": "09:00", "end": "17:00",
                 "holidays": {"country": "JP", "subdivision": "JP-13"}}}""");
        var known = space.api().put("/v1/batchcall/workspace/calling-window", """
                {"calling_window": {"start": "09:00", "end": "17:00",
                 "holidays": {"country": "us", "subdivision": "us-ca"}}}""");

        assertThat(violations(noCountry)).containsExactly("[\"body\",\"calling_window\",\"holidays\",\"country\"]");
        assertThat(noCountry.body()).contains("no public holiday calendar for XX");
        assertThat(violations(noSubdivision))
                .containsExactly("[\"body\",\"calling_window\",\"holidays\",\"subdivision\"]");
        assertThat(noSubdivision.body()).contains("US-ZZ").contains("US-CA").contains("US-NY");
        assertThat(violations(onSubmit)).containsExactly("[\"body\",\"calling_window\",\"holidays\",\"country\"]");
        assertThat(national.status())
                .as("a country with no subdivision calendars takes any subdivision: its national holidays apply")
                .isEqualTo(200);
        assertThat(known.status()).as(known.toString()).isEqualTo(200);
        assertThat(known.json().at("/calling_window/holidays/subdivision").asText())
                .isEqualTo("US-CA");
    }

    @Test
    void a_bad_window_is_a_422_naming_each_field() {
        var space = space("windows-invalid");
        var response = space.api().put("/v1/batchcall/workspace/calling-window", """
                {"calling_window": {"days": ["mon","someday"], "start": "22:00", "end": "02:00", "purpose": "sales",
                 "holidays": {"country": "USA"}}, "jurisdiction_rules": "maybe"}""");

        assertThat(violations(response))
                .containsExactlyInAnyOrder(
                        "[\"body\",\"calling_window\",\"days\",1]",
                        "[\"body\",\"calling_window\",\"end\"]",
                        "[\"body\",\"calling_window\",\"purpose\"]",
                        "[\"body\",\"calling_window\",\"holidays\",\"country\"]",
                        "[\"body\",\"jurisdiction_rules\"]");
        assertThat(response.toString()).contains("ranges crossing midnight are not supported");
    }

    @Test
    void an_agent_default_is_set_bare_and_an_unknown_agent_is_a_404() {
        var space = space("windows-agent");
        var path = "/v1/batchcall/agents/" + space.agentId() + "/calling-window";
        assertThat(space.api().get(path).json().get("calling_window").isNull()).isTrue();

        var put = space.api().put(path, """
                {"hours": {"tue": [["09:00","12:00"],["13:00","20:00"]]}, "unknown_timezone": "skip"}""");
        assertThat(put.status()).as(put.toString()).isEqualTo(200);
        assertThat(put.json().at("/calling_window/hours/tue").toString())
                .isEqualTo("[[\"09:00\",\"12:00\"],[\"13:00\",\"20:00\"]]");
        assertThat(put.json().at("/calling_window/unknown_timezone").asText()).isEqualTo("skip");

        assertThat(space.api().delete(path).json().get("calling_window").isNull())
                .isTrue();
        assertThat(space.api()
                        .get("/v1/batchcall/agents/agent_nobody/calling-window")
                        .status())
                .isEqualTo(404);
        assertThat(space.api()
                        .put("/v1/batchcall/agents/agent_nobody/calling-window", """
                {"start": "09:00", "end": "17:00"}""")
                        .status())
                .isEqualTo(404);
    }

    @Test
    void a_batch_takes_its_own_window_else_its_agents_else_its_workspaces_settled_at_submit() {
        var space = space("windows-submit");
        assertThat(storedWindow(submit(space, ""))).as("no window anywhere").isNull();

        space.api().put("/v1/batchcall/workspace/calling-window", """
                {"calling_window": {"start": "10:00", "end": "16:00"}, "jurisdiction_rules": "off"}""");
        var fromWorkspace = storedWindow(submit(space, ""));
        assertThat(fromWorkspace.at("/hours/mon").toString()).isEqualTo("[[\"10:00\",\"16:00\"]]");
        assertThat(fromWorkspace.get("jurisdiction_rules").asText()).isEqualTo("off");
        assertThat(fromWorkspace.get("min_slot_seconds").asLong())
                .as("default ringing 60 s + 30 s")
                .isEqualTo(90);

        space.api().put("/v1/batchcall/agents/" + space.agentId() + "/calling-window", """
                {"start": "11:00", "end": "15:00"}""");
        assertThat(storedWindow(submit(space, "")).at("/hours/mon").toString()).isEqualTo("[[\"11:00\",\"15:00\"]]");

        var own = storedWindow(submit(space, """
                ,"telephony_call_config": {"ringing_timeout_secs": 40},
                 "calling_window": {"days": ["sat"], "start": "09:00", "end": "12:00", "purpose": "telemarketing",
                                    "jurisdiction_rules": "enforce", "expires_at_unix": 4102444800}"""));
        assertThat(own.at("/hours").toString()).isEqualTo("{\"sat\":[[\"09:00\",\"12:00\"]]}");
        assertThat(own.get("min_slot_seconds").asLong()).isEqualTo(70);
        assertThat(own.get("jurisdiction_rules").asText())
                .as("the workspace's setting, not the batch's")
                .isEqualTo("off");
        assertThat(own.get("purpose").asText()).isEqualTo("telemarketing");
        var expiry = fixtures.queryOne(
                "SELECT extract(epoch FROM window_expires_at)::bigint FROM batches WHERE calling_window->>'expires_at_unix'"
                        + " = '4102444800'",
                Map.of(),
                Long.class);
        assertThat(expiry).isEqualTo(4102444800L);
    }

    @Test
    void a_window_expiring_in_the_past_is_refused() {
        var space = space("windows-expired");
        var response = space.api().post("/v1/convai/batch-calling/submit", """
                {"call_name":"Late","agent_id":"%s","recipients":[{"phone_number":"+12704424567"}],
                 "calling_window": {"start": "09:00", "end": "17:00", "expires_at_unix": 1000}}""".formatted(space.agentId()));

        assertThat(violations(response)).containsExactly("[\"body\",\"calling_window\",\"expires_at_unix\"]");
    }

    @Test
    void recipients_time_zones_and_regions_are_stored_and_bad_ones_refused_with_their_index() {
        var space = space("windows-recipients");
        var response = space.api().post("/v1/convai/batch-calling/submit", """
                {"call_name":"Zones","agent_id":"%s","recipients":[
                  {"phone_number":"+12704424567","timezone":"America/Chicago","region":"us-ky"},
                  {"phone_number":"+12125550123","timezone":"Mars/Olympus","region":"Kentucky"},
                  {"phone_number":"+12125550124","timezone":"Etc/Unknown"}]}""".formatted(space.agentId()));
        assertThat(violations(response))
                .containsExactlyInAnyOrder(
                        "[\"body\",\"recipients\",1,\"timezone\"]",
                        "[\"body\",\"recipients\",1,\"region\"]",
                        "[\"body\",\"recipients\",2,\"timezone\"]");

        var ok = space.api().post("/v1/convai/batch-calling/submit", """
                {"call_name":"Zones","agent_id":"%s","recipients":[
                  {"phone_number":"+12704424567","timezone":"America/Chicago","region":"us-ky"}]}""".formatted(space.agentId()));
        assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
        var stored = fixtures.queryOne(
                "SELECT timezone || ' ' || region FROM recipients WHERE batch_id = :id",
                Map.of("id", ok.json().get("id").asText()),
                String.class);
        assertThat(stored).isEqualTo("America/Chicago US-KY");
    }

    @Test
    void patching_the_window_of_a_batch_releases_the_recipients_its_old_window_held() {
        var space = space("windows-patch");
        var batchId = submit(space, """
                ,"scheduled_time_unix": 4102444800, "calling_window": {"start": "09:00", "end": "10:00"}""");
        fixtures.execute(
                "UPDATE recipients SET hold_reason = 'outside_window', next_attempt_at = now() + interval '1 day'"
                        + " WHERE batch_id = :id",
                Map.of("id", batchId));

        var patched = space.api().patch("/v1/convai/batch-calling/" + batchId, """
                {"calling_window": {"days": ["mon","tue"], "start": "08:00", "end": "20:00", "min_slot_seconds": 120}}""");

        assertThat(patched.status()).as(patched.toString()).isEqualTo(200);
        var window = storedWindow(batchId);
        assertThat(window.at("/hours/tue").toString()).isEqualTo("[[\"08:00\",\"20:00\"]]");
        assertThat(window.get("min_slot_seconds").asLong()).isEqualTo(120);
        var held = fixtures.queryOne(
                "SELECT count(*) FROM recipients WHERE batch_id = :id AND (hold_reason IS NOT NULL"
                        + " OR next_attempt_at IS NOT NULL)",
                Map.of("id", batchId),
                Long.class);
        assertThat(held).as("holds of the old window released").isZero();

        assertThat(violations(space.api().patch("/v1/convai/batch-calling/" + batchId, """
                {"calling_window": {"start": "25:00", "end": "20:00"}}""")))
                .containsExactly("[\"body\",\"calling_window\",\"start\"]");
        var cleared = space.api().patch("/v1/convai/batch-calling/" + batchId, "{\"calling_window\": null}");
        assertThat(cleared.status()).isEqualTo(200);
        assertThat(storedWindow(batchId)).isNull();
    }

    @Test
    void csv_timezone_and_region_columns_become_the_recipients_own_and_bad_cells_are_reported() {
        var response = server.client()
                .postFile("/v1/convai/batch-calling/recipients/validate", "file", "people.csv", """
                phone_number,name,TimeZone,region
                +12704424567,Ann,America/Chicago,us-ky
                +12125550123,Ben,Moon/Base,Kentucky
                +12125550124,Cid,,
                """.getBytes(
                                java.nio.charset.StandardCharsets.UTF_8));

        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        var body = response.json();
        var ann = body.get("recipients").get(0);
        assertThat(ann.get("timezone").asText()).isEqualTo("America/Chicago");
        assertThat(ann.get("region").asText()).isEqualTo("US-KY");
        assertThat(ann.at("/conversation_initiation_client_data/dynamic_variables/TimeZone")
                        .asText())
                .as("still a dynamic variable, as every column")
                .isEqualTo("America/Chicago");
        var cid = body.get("recipients").get(1);
        assertThat(cid.has("timezone")).isFalse();
        var errors = new ArrayList<String>();
        body.get("errors")
                .forEach(e ->
                        errors.add(e.get("row").asInt() + " " + e.get("column").asText()));
        assertThat(errors).containsExactlyInAnyOrder("3 TimeZone", "3 region");
    }
}
