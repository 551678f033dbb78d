package io.batchcall.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.support.ApiClient;
import io.batchcall.support.DirectDatabase;
import io.batchcall.support.Fixtures;
import io.batchcall.support.MetaWebhooks;
import io.batchcall.support.TestServer;
import io.batchcall.support.WithServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * WhatsApp accounts through the HTTP API: importing (ours), ElevenLabs' list, get, patch and delete, their
 * separation from phone numbers, WhatsApp batches and the WhatsApp single call calling from them.
 */
@WithServer
class WhatsAppAccountApiTest {
    private static final String ACCOUNTS = "/v1/convai/whatsapp-accounts";

    private static TestServer server;
    private static Fixtures fixtures;
    private static ApiClient api;
    private static String agentId;
    private static long nextId = 107_000_000_000_000L;

    @BeforeAll
    static void start() {
        fixtures = new Fixtures(server);
        api = server.client();
        agentId = fixtures.agent(TestServer.API_KEY, "WhatsApp agent");
    }

    private static synchronized String newPnid() {
        return Long.toString(nextId++);
    }

    @Test
    void an_imported_account_reads_as_elevenlabs_shows_it_and_never_shows_its_secrets() {
        var pnid = newPnid();

        var created = MetaWebhooks.importAccount(api, pnid, agentId);

        assertThat(created.status()).as(created.toString()).isEqualTo(200);
        var account = api.get(ACCOUNTS + "/" + pnid);
        assertThat(account.status()).isEqualTo(200);
        var json = account.json();
        var fields = new ArrayList<String>();
        json.fieldNames().forEachRemaining(fields::add);
        assertThat(fields)
                .containsExactly(
                        "business_account_id",
                        "phone_number_id",
                        "business_account_name",
                        "phone_number_name",
                        "phone_number",
                        "assigned_agent_id",
                        "enable_messaging",
                        "enable_audio_message_response",
                        "enable_typing_indicator",
                        "assigned_agent_name",
                        "is_token_expired");
        assertThat(json.get("phone_number_id").asText()).isEqualTo(pnid);
        assertThat(json.get("business_account_id").asText()).isEqualTo(MetaWebhooks.BUSINESS_ACCOUNT_ID);
        assertThat(json.get("phone_number").asText()).isEqualTo("+14155550123");
        assertThat(json.get("assigned_agent_name").asText()).isEqualTo("WhatsApp agent");
        assertThat(json.get("enable_messaging").asBoolean()).isTrue();
        assertThat(json.get("is_token_expired").asBoolean()).isFalse();
        for (var body :
                List.of(created.body(), account.body(), api.get(ACCOUNTS).body())) {
            assertThat(body)
                    .doesNotContain(MetaWebhooks.ACCESS_TOKEN)
                    .doesNotContain(MetaWebhooks.APP_SECRET)
                    .doesNotContain(MetaWebhooks.VERIFY_TOKEN);
        }
        var stored = fixtures.queryOne(
                "SELECT encode(credentials, 'escape') FROM phone_numbers WHERE id = :id",
                Map.of("id", pnid),
                String.class);
        assertThat(stored).doesNotContain(MetaWebhooks.ACCESS_TOKEN).doesNotContain(MetaWebhooks.APP_SECRET);
    }

    @Test
    void the_list_holds_the_workspaces_accounts_and_filters_by_agent() {
        var assigned = newPnid();
        var unassigned = newPnid();
        var otherAgent = fixtures.agent(TestServer.API_KEY, "Lister");
        MetaWebhooks.importAccount(api, assigned, otherAgent);
        MetaWebhooks.importAccount(api, unassigned, null);

        var all = ids(api.get(ACCOUNTS).json().get("items"));
        var filtered = ids(api.get(ACCOUNTS + "?agent_id=" + otherAgent).json().get("items"));

        assertThat(all).contains(assigned, unassigned);
        assertThat(filtered).containsExactly(assigned);
    }

    @Test
    void a_phone_number_id_imported_already_is_a_409_in_any_workspace() {
        var pnid = newPnid();
        MetaWebhooks.importAccount(api, pnid, null);
        var other = server.client(server.newWorkspaceKey("Other business"));

        var again = MetaWebhooks.importAccount(api, pnid, null);
        var elsewhere = MetaWebhooks.importAccount(other, pnid, null);

        assertThat(again.status()).isEqualTo(409);
        assertThat(again.json().at("/detail/status").asText()).isEqualTo("whatsapp_account_exists");
        assertThat(elsewhere.status()).isEqualTo(409);
        assertThat(other.get(ACCOUNTS + "/" + pnid).status()).isEqualTo(404);
    }

    @Test
    void an_import_missing_secrets_or_with_a_malformed_id_is_a_422_naming_each_field() {
        var response = api.post("/v1/batchcall/whatsapp-accounts", """
                {"phone_number_id":"not-digits","phone_number":"12","business_account_id":"1"}""");

        assertThat(response.status()).isEqualTo(422);
        assertThat(response.json().findValuesAsText("type")).isNotEmpty();
        var locs = new ArrayList<String>();
        response.json().get("detail").forEach(v -> locs.add(v.get("loc").get(1).asText()));
        assertThat(locs)
                .containsExactlyInAnyOrder(
                        "phone_number_id", "phone_number", "access_token", "app_secret", "verify_token");
    }

    @Test
    void patch_assigns_an_agent_switches_flags_and_rotates_secrets_without_showing_them() {
        var pnid = newPnid();
        MetaWebhooks.importAccount(api, pnid, null);

        var patched = api.patch(ACCOUNTS + "/" + pnid, """
                {"assigned_agent_id":"%s","enable_messaging":false,"app_secret":"rotated-secret"}""".formatted(agentId));

        assertThat(patched.status()).as(patched.toString()).isEqualTo(200);
        var account = api.get(ACCOUNTS + "/" + pnid).json();
        assertThat(account.get("assigned_agent_id").asText()).isEqualTo(agentId);
        assertThat(account.get("enable_messaging").asBoolean()).isFalse();
        assertThat(account.get("enable_typing_indicator").asBoolean()).isTrue();
        assertThat(patched.body()).doesNotContain("rotated-secret");
        // The new app secret signs webhooks from now on; the old one no longer does.
        var meta = new MetaWebhooks(server);
        var body = MetaWebhooks.status(pnid, "wacid.rot", "4915112345678", "RINGING");
        assertThat(meta.post(pnid, body).status()).isEqualTo(401);
        var bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(meta.post(pnid, bytes, MetaWebhooks.signature("rotated-secret", bytes))
                        .status())
                .isEqualTo(200);

        var cleared = api.patch(ACCOUNTS + "/" + pnid, "{\"assigned_agent_id\":null}");
        assertThat(cleared.json().get("assigned_agent_id").isNull()).isTrue();
    }

    @Test
    void an_unknown_agent_or_account_is_a_404() {
        var pnid = newPnid();
        MetaWebhooks.importAccount(api, pnid, null);

        assertThat(api.patch(ACCOUNTS + "/" + pnid, "{\"assigned_agent_id\":\"agent_nope\"}")
                        .status())
                .isEqualTo(404);
        assertThat(api.get(ACCOUNTS + "/999").json().at("/detail/status").asText())
                .isEqualTo("whatsapp_account_not_found");
        assertThat(api.delete(ACCOUNTS + "/999").status()).isEqualTo(404);
    }

    @Test
    void accounts_are_not_phone_numbers_and_phone_numbers_are_not_accounts() {
        var pnid = newPnid();
        MetaWebhooks.importAccount(api, pnid, null);
        var phone = fixtures.phoneNumber(TestServer.API_KEY, null);

        assertThat(api.get("/v1/convai/phone-numbers/" + pnid).status()).isEqualTo(404);
        assertThat(api.patch("/v1/convai/phone-numbers/" + pnid, "{\"label\":\"x\"}")
                        .status())
                .isEqualTo(404);
        assertThat(api.delete("/v1/convai/phone-numbers/" + pnid).status()).isEqualTo(404);
        assertThat(phoneNumberIds(api.get("/v1/convai/phone-numbers").json()))
                .contains(phone)
                .doesNotContain(pnid);
        assertThat(phoneNumberIds(
                        api.get("/v1/convai/phone-numbers?provider=whatsapp").json()))
                .isEmpty();
        assertThat(phoneNumberIds(api.get("/v1/convai/v2/phone-numbers").json().get("phone_numbers")))
                .doesNotContain(pnid);
        assertThat(api.get(ACCOUNTS + "/" + phone).status()).isEqualTo(404);
        assertThat(api.get(ACCOUNTS + "/" + pnid).status()).isEqualTo(200);
    }

    @Test
    void delete_is_refused_while_a_running_batch_calls_from_the_account_and_then_allowed() {
        var pnid = newPnid();
        MetaWebhooks.importAccount(api, pnid, agentId);
        try (var db = new DirectDatabase(server)) {
            db.insertBatch(fixtures.workspaceOf(TestServer.API_KEY), "btcal_wa_running", agentId, pnid, "in_progress");
        }

        var refused = api.delete(ACCOUNTS + "/" + pnid);

        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.json().at("/detail/status").asText()).isEqualTo("whatsapp_account_in_use");
        fixtures.execute(
                "UPDATE batches SET status = 'cancelled', updated_at = :now WHERE id = 'btcal_wa_running'", Map.of());
        assertThat(api.delete(ACCOUNTS + "/" + pnid).status()).isEqualTo(200);
        assertThat(api.get(ACCOUNTS + "/" + pnid).status()).isEqualTo(404);
        // Deleted, the id can be imported again.
        assertThat(MetaWebhooks.importAccount(api, pnid, null).status()).isEqualTo(200);
    }

    @Test
    void a_whatsapp_batch_calls_from_the_named_account_with_its_users_and_template() {
        var pnid = newPnid();
        MetaWebhooks.importAccount(api, pnid, null);

        var submitted = api.post("/v1/convai/batch-calling/submit", """
                {"call_name":"WA","agent_id":"%s","whatsapp_params":{"whatsapp_phone_number_id":"%s",
                 "whatsapp_call_permission_request_template_name":"call_permission",
                 "whatsapp_call_permission_request_template_language_code":"en_US"},
                 "recipients":[{"whatsapp_user_id":"4915112345678"},{"whatsapp_user_id":"5511987654321"}]}""".formatted(agentId, pnid));

        assertThat(submitted.status()).as(submitted.toString()).isEqualTo(200);
        var batch = api.get(
                        "/v1/convai/batch-calling/" + submitted.json().get("id").asText())
                .json();
        assertThat(batch.get("phone_provider").asText()).isEqualTo("whatsapp");
        assertThat(batch.get("phone_number_id").asText()).isEqualTo(pnid);
        assertThat(batch.at("/whatsapp_params/whatsapp_call_permission_request_template_name")
                        .asText())
                .isEqualTo("call_permission");
        assertThat(batch.at("/whatsapp_params/whatsapp_call_permission_request_template_language_code")
                        .asText())
                .isEqualTo("en_US");
        var users = new ArrayList<String>();
        batch.get("recipients").forEach(r -> users.add(r.get("whatsapp_user_id").asText()));
        assertThat(users).containsExactly("4915112345678", "5511987654321");
    }

    @Test
    void a_whatsapp_batch_without_a_named_account_calls_from_the_agents_and_never_from_its_phone_number() {
        var agent = fixtures.agent(TestServer.API_KEY, "Both kinds");
        var pnid = newPnid();
        MetaWebhooks.importAccount(api, pnid, agent);
        var phone = fixtures.phoneNumber(TestServer.API_KEY, agent);

        var whatsapp = api.post("/v1/convai/batch-calling/submit", """
                {"call_name":"WA","agent_id":"%s","whatsapp_params":{
                 "whatsapp_call_permission_request_template_name":"t",
                 "whatsapp_call_permission_request_template_language_code":"en"},
                 "recipients":[{"whatsapp_user_id":"4915112345678"}]}""".formatted(agent));
        var calls = api.post("/v1/convai/batch-calling/submit", """
                {"call_name":"Phone","agent_id":"%s","recipients":[{"phone_number":"+14155550100"}]}""".formatted(agent));

        assertThat(whatsapp.json().get("phone_number_id").asText()).isEqualTo(pnid);
        assertThat(calls.json().get("phone_number_id").asText()).isEqualTo(phone);
        // The agent shows its phone number only; its WhatsApp account is listed apart.
        var shown = api.get("/v1/convai/agents/" + agent).json();
        assertThat(shown.get("phone_number_id").asText()).isEqualTo(phone);
        assertThat(phoneNumberIds(shown.get("phone_numbers"))).containsExactly(phone);
        assertThat(ids(api.get(ACCOUNTS + "?agent_id=" + agent).json().get("items")))
                .containsExactly(pnid);
    }

    @Test
    void a_whatsapp_batch_naming_an_unknown_account_is_a_404_as_an_unknown_agent_is_and_creates_nothing() {
        var before = batchCount();

        var response = api.post("/v1/convai/batch-calling/submit", """
                {"call_name":"WA","agent_id":"%s","whatsapp_params":{"whatsapp_phone_number_id":"1234",
                 "whatsapp_call_permission_request_template_name":"t",
                 "whatsapp_call_permission_request_template_language_code":"en"},
                 "recipients":[{"whatsapp_user_id":"4915112345678"}]}""".formatted(agentId));

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.json().at("/detail/status").asText()).isEqualTo("whatsapp_account_not_found");
        assertThat(batchCount()).isEqualTo(before);
    }

    @Test
    void a_whatsapp_single_call_is_stored_as_a_one_user_batch_from_the_account_with_its_template() {
        var pnid = newPnid();
        MetaWebhooks.importAccount(api, pnid, null);

        var response = api.post("/v1/convai/whatsapp/outbound-call", """
                {"whatsapp_phone_number_id":"%s","whatsapp_user_id":"4915112345678","agent_id":"%s",
                 "whatsapp_call_permission_request_template_name":"call_permission",
                 "whatsapp_call_permission_request_template_language_code":"de"}""".formatted(pnid, agentId));

        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        var fields = new ArrayList<String>();
        response.json().fieldNames().forEachRemaining(fields::add);
        assertThat(fields).containsExactly("success", "message", "conversation_id");
        var stored = fixtures.queryOne("""
                SELECT b.origin || ' ' || (b.whatsapp_params->>'whatsapp_call_permission_request_template_name')
                       || ' ' || (b.whatsapp_params->>'whatsapp_call_permission_request_template_language_code')
                       || ' ' || r.whatsapp_user_id
                FROM batches b JOIN recipients r ON r.workspace_id = b.workspace_id AND r.batch_id = b.id
                WHERE b.phone_number_id = :pnid""", Map.of("pnid", pnid), String.class);
        assertThat(stored).isEqualTo("single call_permission de 4915112345678");
    }

    @Test
    void a_whatsapp_single_call_with_bad_fields_is_a_422_and_with_an_unknown_account_a_404() {
        var invalid = api.post("/v1/convai/whatsapp/outbound-call", """
                {"whatsapp_phone_number_id":"1","whatsapp_user_id":"call me","agent_id":"%s"}""".formatted(agentId));
        var unknown = api.post("/v1/convai/whatsapp/outbound-call", """
                {"whatsapp_phone_number_id":"1","whatsapp_user_id":"4915112345678","agent_id":"%s",
                 "whatsapp_call_permission_request_template_name":"t",
                 "whatsapp_call_permission_request_template_language_code":"de"}""".formatted(agentId));

        assertThat(invalid.status()).isEqualTo(422);
        var locs = new ArrayList<String>();
        invalid.json().get("detail").forEach(v -> locs.add(v.get("loc").get(1).asText()));
        assertThat(locs)
                .containsExactlyInAnyOrder(
                        "whatsapp_user_id",
                        "whatsapp_call_permission_request_template_name",
                        "whatsapp_call_permission_request_template_language_code");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().at("/detail/status").asText()).isEqualTo("whatsapp_account_not_found");
    }

    private static long batchCount() {
        return fixtures.queryOne("SELECT count(*) FROM batches", Map.of(), Long.class);
    }

    private static List<String> ids(JsonNode items) {
        var ids = new ArrayList<String>();
        items.forEach(item -> ids.add(item.get("phone_number_id").asText()));
        return ids;
    }

    private static List<String> phoneNumberIds(JsonNode numbers) {
        var ids = new ArrayList<String>();
        numbers.forEach(number -> ids.add(number.get("phone_number_id").asText()));
        return ids;
    }
}
