package io.batchcall.api;

import static io.batchcall.support.ApiCalls.agent;
import static io.batchcall.support.ApiCalls.violations;
import static io.batchcall.support.ApiCalls.workspaceId;
import static io.batchcall.support.Body.array;
import static io.batchcall.support.Body.object;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.support.ApiClient;
import io.batchcall.support.Body;
import io.batchcall.support.DirectDatabase;
import io.batchcall.support.HttpResult;
import io.batchcall.support.TestServer;
import io.batchcall.support.WithServer;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

@WithServer
class PhoneNumberApiTest {
    // Shared by the tests: one that needs a variant changes a deepCopy(), never the constant.
    private static final Body TWILIO = object().field("provider", "twilio")
            .field("phone_number", "+1 (415) 555-2671")
            .field("label", "Main")
            .field("sid", "AC123")
            .field("token", "twilio-secret-token")
            .field(
                    "region_config",
                    object("region_id", "ie1", "token", "region-secret-token", "edge_location", "dublin"));
    private static final Body SIP = object().field("provider", "sip_trunk")
            .field("phone_number", "+442071838750")
            .field("label", "Trunk")
            .field(
                    "outbound_trunk_config",
                    object().field("address", "sip.example.com")
                            .field("transport", "tls")
                            .field("headers", object("X-Team", "a"))
                            .field(
                                    "credentials",
                                    object("username", "trunk-user", "password", "trunk-secret-password")))
            .field(
                    "inbound_trunk_config",
                    object("allowed_addresses", array("10.0.0.0/8"), "media_encryption", "required"));
    private static final Body EXOTEL = object().field("provider", "exotel")
            .field("phone_number", "+919876543210")
            .field("label", "India")
            .field("account_sid", "acct")
            .field("api_key", "exotel-secret-key")
            .field("api_token", "exotel-secret-token")
            .field("api_subdomain", "api.in.exotel.com")
            .field("app_id", "12345");
    private static final List<String> SECRETS = List.of(
            "twilio-secret-token",
            "region-secret-token",
            "trunk-secret-password",
            "exotel-secret-key",
            "exotel-secret-token");

    private static TestServer server;
    private static DirectDatabase database;
    private static ApiClient api;

    @BeforeAll
    static void start() {
        database = new DirectDatabase(server);
        api = server.client();
    }

    @AfterAll
    static void stop() {
        database.close();
    }

    @Test
    void a_twilio_number_is_stored_in_e164_and_shown_in_the_twilio_model_without_its_tokens() {
        var id = create(api, TWILIO);

        var number = api.get("/v1/convai/phone-numbers/" + id);

        assertThat(id).startsWith("phnum_");
        assertThat(number.status()).isEqualTo(200);
        // As text, so the fields' order (EL's) is checked too.
        assertThat(number.json().toString())
                .isEqualTo(object().field("phone_number", "+14155552671")
                        .field("label", "Main")
                        .field("supports_inbound", true)
                        .field("supports_outbound", true)
                        .field("phone_number_id", id)
                        .field("assigned_agent", null)
                        .field("provider", "twilio")
                        .field("cps", 1.0)
                        .toString());
    }

    @Test
    void a_number_without_a_provider_is_read_as_twilio() {
        assertThat(violations(
                        api.post("/v1/convai/phone-numbers", object("phone_number", "+14155552671", "label", "x"))))
                .containsExactly(
                        "[\"body\",\"sid\"] missing Field required", "[\"body\",\"token\"] missing Field required");
        var id = create(api, object("phone_number", "+14155552671", "label", "x", "sid", "AC1", "token", "t"));
        assertThat(api.get("/v1/convai/phone-numbers/" + id)
                        .json()
                        .get("provider")
                        .asText())
                .isEqualTo("twilio");
    }

    @Test
    void a_sip_trunk_number_shows_its_trunks_with_has_auth_credentials_and_username_but_no_password() {
        var id = create(api, SIP);

        var number = api.get("/v1/convai/phone-numbers/" + id).json();

        assertThat(number.get("provider").asText()).isEqualTo("sip_trunk");
        assertThat(number.at("/outbound_trunk/address").asText()).isEqualTo("sip.example.com");
        assertThat(number.at("/outbound_trunk/transport").asText()).isEqualTo("tls");
        assertThat(number.at("/outbound_trunk/media_encryption").asText()).isEqualTo("allowed");
        assertThat(number.at("/outbound_trunk/headers/X-Team").asText()).isEqualTo("a");
        assertThat(number.at("/outbound_trunk/has_auth_credentials").asBoolean())
                .isTrue();
        assertThat(number.at("/outbound_trunk/username").asText()).isEqualTo("trunk-user");
        assertThat(number.at("/inbound_trunk/allowed_addresses/0").asText()).isEqualTo("10.0.0.0/8");
        assertThat(number.at("/inbound_trunk/allowed_numbers").isNull()).isTrue();
        assertThat(number.at("/inbound_trunk/media_encryption").asText()).isEqualTo("required");
        assertThat(number.at("/inbound_trunk/has_auth_credentials").asBoolean()).isFalse();
        assertThat(number.get("livekit_stack").asText()).isEqualTo("standard");
        assertThat(number.get("store_sip_messages").asBoolean()).isTrue();
        assertThat(number.get("cps").asDouble()).isEqualTo(10.0);
        assertThat(number.toString()).doesNotContain("password");
    }

    @Test
    void exotel_and_simulator_numbers_have_the_minimal_model_and_their_providers_default_cps() {
        var exotel = api.get("/v1/convai/phone-numbers/" + create(api, EXOTEL)).json();
        var simulator = api.get("/v1/convai/phone-numbers/"
                        + create(
                                api,
                                object(
                                        "provider", "simulator",
                                        "phone_number", "+14155552672",
                                        "label", "Sim",
                                        "cps", 2.5)))
                .json();

        assertThat(exotel.get("provider").asText()).isEqualTo("exotel");
        assertThat(exotel.get("cps").asDouble()).isEqualTo(3.0);
        assertThat(exotel.has("assigned_agent")).isTrue();
        assertThat(simulator.get("provider").asText()).isEqualTo("simulator");
        assertThat(simulator.get("cps").asDouble()).isEqualTo(2.5);
    }

    @Test
    void each_providers_required_fields_are_422s_at_their_exact_loc() {
        assertThat(violations(api.post("/v1/convai/phone-numbers", object("provider", "exotel"))))
                .containsExactly(
                        "[\"body\",\"phone_number\"] missing Field required",
                        "[\"body\",\"label\"] missing Field required",
                        "[\"body\",\"account_sid\"] missing Field required",
                        "[\"body\",\"api_key\"] missing Field required",
                        "[\"body\",\"api_token\"] missing Field required",
                        "[\"body\",\"api_subdomain\"] missing Field required",
                        "[\"body\",\"app_id\"] missing Field required");
        assertThat(violations(api.post("/v1/convai/phone-numbers", """
                {"provider":"sip_trunk","phone_number":"+14155552671","label":"x",
                 "outbound_trunk_config":{"transport":"carrier-pigeon","credentials":{"password":"p"},
                   "enabled_codecs":["OPUS"]},
                 "inbound_trunk_config":{"media_encryption":"maybe"}}""")))
                .containsExactly(
                        "[\"body\",\"outbound_trunk_config\",\"address\"] missing Field required",
                        "[\"body\",\"outbound_trunk_config\",\"transport\"] enum"
                                + " Input should be 'auto', 'udp', 'tcp' or 'tls'",
                        "[\"body\",\"outbound_trunk_config\",\"enabled_codecs\",0] enum"
                                + " Input should be 'G722/8000', 'PCMU/8000' or 'PCMA/8000'",
                        "[\"body\",\"outbound_trunk_config\",\"credentials\",\"username\"] missing Field required",
                        "[\"body\",\"inbound_trunk_config\",\"media_encryption\"] enum"
                                + " Input should be 'disabled', 'allowed' or 'required'");
        assertThat(violations(api.post("/v1/convai/phone-numbers", """
                {"provider":"twilio","phone_number":"+14155552671","label":"x","sid":"AC","token":"t",
                 "region_config":{"region_id":"mars1","edge_location":"dublin"}}""")))
                .containsExactly(
                        "[\"body\",\"region_config\",\"region_id\"] enum Input should be 'us1', 'ie1' or 'au1'",
                        "[\"body\",\"region_config\",\"token\"] missing Field required");
    }

    @Test
    void an_invalid_number_an_unknown_provider_and_a_bad_cps_are_422s() {
        assertThat(violations(api.post(
                        "/v1/convai/phone-numbers",
                        object("provider", "vonage", "phone_number", "12345", "label", "x", "cps", 0))))
                .containsExactly(
                        "[\"body\",\"provider\"] enum Input should be 'twilio', 'sip_trunk', 'exotel' or 'simulator'",
                        "[\"body\",\"phone_number\"] value_error"
                                + " Value error, value is not a valid phone number in E.164 form (+ and country code)",
                        "[\"body\",\"cps\"] greater_than Input should be greater than 0");
        // A BigDecimal, so it is sent as 0.0001 (a double would be 1.0E-4).
        assertThat(violations(api.post("/v1/convai/phone-numbers", simulatorWithCps(new BigDecimal("0.0001")))))
                .containsExactly(
                        "[\"body\",\"cps\"] decimal_max_places Decimal input should have no more than 3 decimal places");
        assertThat(violations(api.post("/v1/convai/phone-numbers", simulatorWithCps(10001))))
                .containsExactly("[\"body\",\"cps\"] less_than_equal Input should be less than or equal to 10000");
        assertThat(violations(api.post("/v1/convai/phone-numbers", simulatorWithCps("fast"))))
                .containsExactly("[\"body\",\"cps\"] float_type Input should be a valid number");
    }

    @Test
    void an_unknown_or_foreign_agent_id_is_a_404_agent_not_found() {
        var foreignAgent = agent(server.client(server.newWorkspaceKey("Agents elsewhere")), object("name", "theirs"));

        for (var agentId : List.of("agent_nope", foreignAgent)) {
            var response = api.post(
                    "/v1/convai/phone-numbers",
                    object("provider", "simulator", "phone_number", "+14155552671", "label", "x", "agent_id", agentId));
            assertThat(response.status()).isEqualTo(404);
            assertThat(response.json().at("/detail/status").asText()).isEqualTo("agent_not_found");
        }
    }

    @Test
    void the_list_is_an_array_filtered_by_provider_and_agent() {
        var client = server.client(server.newWorkspaceKey("Listing"));
        var agentId = agent(client, object("name", "Lister"));
        var twilio = create(client, TWILIO);
        var sip = create(client, SIP.deepCopy().put("agent_id", agentId));

        assertThat(ids(client.get("/v1/convai/phone-numbers"))).containsExactly(twilio, sip);
        assertThat(ids(client.get("/v1/convai/phone-numbers?provider=twilio"))).containsExactly(twilio);
        assertThat(ids(client.get("/v1/convai/phone-numbers?agent_id=" + agentId)))
                .containsExactly(sip);
        assertThat(client.get("/v1/convai/phone-numbers")
                        .json()
                        .get(1)
                        .at("/assigned_agent/agent_name")
                        .asText())
                .isEqualTo("Lister");
        assertThat(violations(client.get("/v1/convai/phone-numbers?provider=vonage")))
                .containsExactly("[\"query\",\"provider\"] enum"
                        + " Input should be 'twilio', 'sip_trunk', 'exotel', 'whatsapp' or 'simulator'");
    }

    @Test
    void patch_changes_the_given_fields_and_keeps_a_trunk_password_when_only_the_username_is_sent() {
        var agentId = agent(api, object("name", "Patcher"));
        var id = create(api, SIP);

        var patched = api.patch("/v1/convai/phone-numbers/" + id, """
                {"label":"Renamed","agent_id":"%s","cps":4,"environment":"staging","livekit_stack":"static",
                 "outbound_trunk_config":{"address":"sip2.example.com","credentials":{"username":"new-user"}}}""".formatted(agentId));

        assertThat(patched.status()).isEqualTo(200);
        var number = patched.json();
        assertThat(number.get("label").asText()).isEqualTo("Renamed");
        assertThat(number.at("/assigned_agent/agent_id").asText()).isEqualTo(agentId);
        assertThat(number.at("/assigned_agent/environment").asText()).isEqualTo("staging");
        assertThat(number.at("/assigned_agent/branch_id").isNull()).isTrue();
        assertThat(number.get("cps").asDouble()).isEqualTo(4.0);
        assertThat(number.get("livekit_stack").asText()).isEqualTo("static");
        assertThat(number.at("/outbound_trunk/address").asText()).isEqualTo("sip2.example.com");
        assertThat(number.at("/outbound_trunk/username").asText()).isEqualTo("new-user");
        assertThat(number.at("/inbound_trunk/media_encryption").asText()).isEqualTo("required");
        assertThat(number.get("phone_number").asText()).isEqualTo("+442071838750");
        assertThat(patched.body()).doesNotContain("trunk-secret-password");
    }

    @Test
    void patch_assigns_a_branch_of_the_agent_and_refuses_a_branch_of_another_agent() {
        var agentId = agent(api, object("name", "With branch"));
        var branch = api.post("/v1/convai/agents/" + agentId + "/branches", object("name", "b"))
                .json()
                .get("id")
                .asText();
        var otherAgent = agent(api, object("name", "Other"));
        var id = create(api, TWILIO);

        var assigned = api.patch("/v1/convai/phone-numbers/" + id, object("agent_id", agentId, "branch_id", branch));
        var wrong = api.patch("/v1/convai/phone-numbers/" + id, object("agent_id", otherAgent, "branch_id", branch));
        var unassigned = api.patch("/v1/convai/phone-numbers/" + id, object("agent_id", null));

        assertThat(assigned.json().at("/assigned_agent/branch_id").asText()).isEqualTo(branch);
        assertThat(wrong.status()).isEqualTo(404);
        assertThat(wrong.json().at("/detail/status").asText()).isEqualTo("branch_not_found");
        assertThat(unassigned.json().get("assigned_agent").isNull()).isTrue();
    }

    @Test
    void an_invalid_patch_is_a_422_and_changes_nothing() {
        var id = create(api, TWILIO);

        assertThat(violations(api.patch(
                        "/v1/convai/phone-numbers/" + id,
                        object().field("label", "new")
                                .field("outbound_trunk_config", object("address", "a"))
                                .field("cps", -1)
                                .field("livekit_stack", "x"))))
                .containsExactly(
                        "[\"body\",\"cps\"] greater_than Input should be greater than 0",
                        "[\"body\",\"outbound_trunk_config\"] value_error"
                                + " Value error, only sip_trunk numbers have this setting",
                        "[\"body\",\"livekit_stack\"] value_error Value error, only sip_trunk numbers have this setting");
        assertThat(api.get("/v1/convai/phone-numbers/" + id).json().get("label").asText())
                .isEqualTo("Main");
        var unknownAgent = api.patch("/v1/convai/phone-numbers/" + id, object("agent_id", "agent_nope"));
        assertThat(unknownAgent.status()).isEqualTo(404);
        assertThat(unknownAgent.json().at("/detail/status").asText()).isEqualTo("agent_not_found");
    }

    @Test
    void deleting_a_number_answers_an_empty_object_and_then_404() {
        var id = create(api, TWILIO);

        var deleted = api.delete("/v1/convai/phone-numbers/" + id);

        assertThat(deleted.status()).isEqualTo(200);
        assertThat(deleted.body()).isEqualTo("{}");
        for (var response : everyEndpointOf(api, id)) {
            assertThat(response.status()).as(response.toString()).isEqualTo(404);
            assertThat(response.json().at("/detail/status").asText()).isEqualTo("phone_number_not_found");
        }
        assertThat(ids(api.get("/v1/convai/phone-numbers"))).doesNotContain(id);
    }

    @Test
    void deleting_a_number_an_active_batch_calls_from_is_a_409() {
        var agentId = agent(api, object("name", "Batcher"));
        var busy = create(api, TWILIO);
        var finished = create(api, TWILIO);
        database.insertBatch(workspaceId(api), "btcal_number_busy", agentId, busy, "in_progress");
        database.insertBatch(workspaceId(api), "btcal_number_done", agentId, finished, "cancelled");

        var refused = api.delete("/v1/convai/phone-numbers/" + busy);

        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.json().at("/detail/status").asText()).isEqualTo("phone_number_in_use");
        assertThat(api.get("/v1/convai/phone-numbers/" + busy).status()).isEqualTo(200);
        assertThat(api.delete("/v1/convai/phone-numbers/" + finished).status()).isEqualTo(200);
    }

    @Test
    void an_unknown_number_and_another_workspaces_number_are_404_on_every_endpoint() {
        var mine = create(api, TWILIO);
        var other = server.client(server.newWorkspaceKey("Numbers elsewhere"));

        for (var response : everyEndpointOf(api, "phnum_nope")) {
            assertThat(response.status()).as(response.toString()).isEqualTo(404);
        }
        for (var response : everyEndpointOf(other, mine)) {
            assertThat(response.status()).as(response.toString()).isEqualTo(404);
            assertThat(response.json().at("/detail/status").asText()).isEqualTo("phone_number_not_found");
        }
        assertThat(other.get("/v1/convai/phone-numbers").json()).isEmpty();
        assertThat(api.get("/v1/convai/phone-numbers/" + mine).status()).isEqualTo(200);
    }

    @Test
    void no_secret_ever_appears_in_a_response_body() {
        var client = server.client(server.newWorkspaceKey("Secrets"));
        var ids = List.of(create(client, TWILIO), create(client, SIP), create(client, EXOTEL));
        var agentId = agent(client, object("name", "Holder", "phone_number_id", ids.get(1)));

        var bodies = new ArrayList<String>();
        bodies.add(client.get("/v1/convai/phone-numbers").body());
        bodies.add(client.get("/v1/convai/agents/" + agentId).body());
        for (var id : ids) {
            bodies.add(client.get("/v1/convai/phone-numbers/" + id).body());
            bodies.add(client.patch("/v1/convai/phone-numbers/" + id, object("label", "again"))
                    .body());
        }

        assertThat(bodies).allSatisfy(body -> assertThat(body).doesNotContain(SECRETS));
    }

    private static List<HttpResult> everyEndpointOf(ApiClient client, String id) {
        var path = "/v1/convai/phone-numbers/" + id;
        return List.of(client.get(path), client.patch(path, object("label", "x")), client.delete(path));
    }

    private static List<String> ids(HttpResult list) {
        assertThat(list.status()).isEqualTo(200);
        var ids = new ArrayList<String>();
        list.json().forEach(n -> ids.add(n.get("phone_number_id").asText()));
        return ids;
    }

    static String create(ApiClient client, JsonNode body) {
        var response = client.post("/v1/convai/phone-numbers", body);
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json().get("phone_number_id").asText();
    }

    private static Body simulatorWithCps(Object cps) {
        return object("provider", "simulator", "phone_number", "+14155552671", "label", "x", "cps", cps);
    }
}
