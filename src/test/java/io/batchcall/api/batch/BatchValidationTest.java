package io.batchcall.api.batch;

import static io.batchcall.support.Body.array;
import static io.batchcall.support.Body.object;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.batchcall.support.Fixtures;
import io.batchcall.support.HttpResult;
import io.batchcall.support.MetaWebhooks;
import io.batchcall.support.TestServer;
import io.batchcall.support.WithServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every submit rule: a 422 naming the field with loc, msg and type, or a 404 for a missing object. */
@WithServer
class BatchValidationTest {
    private static TestServer server;
    private static Fixtures fixtures;
    private static String agentId;

    @BeforeAll
    static void start() {
        fixtures = new Fixtures(server);
        agentId = fixtures.agent(TestServer.API_KEY, "Agent");
        fixtures.phoneNumber(TestServer.API_KEY, agentId);
    }

    private static HttpResult submit(JsonNode body) {
        return submit(body.toString());
    }

    private static HttpResult submit(String json) {
        return server.client().post("/v1/convai/batch-calling/submit", json);
    }

    private static JsonNode withRecipients(JsonNode recipients) {
        return object("call_name", "V", "agent_id", agentId, "recipients", recipients);
    }

    /** Recipients with only a phone number each. */
    private static ArrayNode numbers(String... phoneNumbers) {
        var list = array();
        for (var phoneNumber : phoneNumbers) {
            list.add(object("phone_number", phoneNumber));
        }
        return list;
    }

    /** The 422's violations as "loc | type" lines, for exact comparison. */
    private static List<String> violations(HttpResult response) {
        assertThat(response.status()).as(response.toString()).isEqualTo(422);
        var list = new java.util.ArrayList<String>();
        for (JsonNode v : response.json().get("detail")) {
            assertThat(v.get("msg").asText()).isNotBlank();
            list.add(v.get("loc").toString() + " | " + v.get("type").asText());
        }
        return list;
    }

    @Test
    void required_fields_missing_are_each_named() {
        assertThat(violations(submit(object())))
                .containsExactly(
                        "[\"body\",\"call_name\"] | missing",
                        "[\"body\",\"agent_id\"] | missing",
                        "[\"body\",\"recipients\"] | missing");
    }

    @Test
    void an_empty_call_name_and_an_empty_recipient_list_are_refused() {
        assertThat(violations(submit(object("call_name", "  ", "agent_id", agentId, "recipients", array()))))
                .containsExactly(
                        "[\"body\",\"call_name\"] | string_too_short", "[\"body\",\"recipients\"] | too_short");
    }

    @Test
    void more_than_ten_thousand_recipients_are_refused() {
        var many = numbers(java.util.Collections.nCopies(10_001, "+14155550100").toArray(String[]::new));

        assertThat(violations(submit(withRecipients(many)))).containsExactly("[\"body\",\"recipients\"] | too_long");
    }

    @Test
    void a_number_with_an_extension_is_refused_rather_than_its_main_line_called() {
        var response = submit(withRecipients(numbers("+14155550100", "+1 415 555 0123 ext. 5")));

        assertThat(violations(response)).containsExactly("[\"body\",\"recipients\",1,\"phone_number\"] | value_error");
        assertThat(response.body()).contains("no extension");
    }

    @Test
    void invalid_numbers_are_rejected_with_their_index() {
        var response = submit(
                withRecipients(numbers("+14155550100", "12345", "+15550001111").add(object())));

        assertThat(violations(response))
                .containsExactly(
                        "[\"body\",\"recipients\",1,\"phone_number\"] | value_error",
                        "[\"body\",\"recipients\",2,\"phone_number\"] | value_error",
                        "[\"body\",\"recipients\",3,\"phone_number\"] | missing");
    }

    @Test
    void the_same_number_twice_is_rejected_naming_both_indexes() {
        var response = submit(withRecipients(numbers("+14155550100", "+14155550101", "+1 415 555 0100")));

        assertThat(violations(response)).containsExactly("[\"body\",\"recipients\",2,\"phone_number\"] | value_error");
        assertThat(response.json().at("/detail/0/msg").asText()).contains("recipients 0 and 2");
    }

    @Test
    void a_recipient_id_used_twice_is_rejected() {
        var response = submit(withRecipients(array(
                object("id", "a", "phone_number", "+14155550100"), object("id", "a", "phone_number", "+14155550101"))));

        assertThat(violations(response)).containsExactly("[\"body\",\"recipients\",1,\"id\"] | value_error");
    }

    @Test
    void a_blank_recipient_id_is_too_short_and_one_over_128_characters_too_long() {
        var response = submit(withRecipients(array(
                object("id", "  ", "phone_number", "+14155550100"),
                object("id", "r".repeat(129), "phone_number", "+14155550101"),
                object("id", "r".repeat(128), "phone_number", "+14155550102"))));

        assertThat(violations(response))
                .containsExactly(
                        "[\"body\",\"recipients\",0,\"id\"] | string_too_short",
                        "[\"body\",\"recipients\",1,\"id\"] | string_too_long");
        assertThat(response.json().at("/detail/0/msg").asText()).isEqualTo("String should have at least 1 character");
        assertThat(response.json().at("/detail/1/msg").asText()).isEqualTo("String should have at most 128 characters");
    }

    @Test
    void a_whatsapp_user_id_alone_needs_a_whatsapp_batch() {
        var response = submit(withRecipients(array(object("whatsapp_user_id", "4915112345678"))));

        assertThat(violations(response)).containsExactly("[\"body\",\"recipients\",0,\"phone_number\"] | missing");
        MetaWebhooks.importAccount(server.client(), "109000000000001", agentId);
        var whatsapp = submit("""
                {"call_name":"WA","agent_id":"%s","whatsapp_params":{"whatsapp_call_permission_request_template_name":"tpl",
                 "whatsapp_call_permission_request_template_language_code":"en_US"},
                 "recipients":[{"whatsapp_user_id":"4915112345678"}]}""".formatted(agentId));
        assertThat(whatsapp.status()).as(whatsapp.toString()).isEqualTo(200);
        assertThat(whatsapp.json()
                        .at("/whatsapp_params/whatsapp_call_permission_request_template_name")
                        .asText())
                .isEqualTo("tpl");
    }

    @Test
    void telephony_settings_out_of_range_are_refused() {
        var response = submit("""
                {"call_name":"T","agent_id":"%s","recipients":[{"phone_number":"+14155550100"}],
                 "telephony_call_config":{"ringing_timeout_secs":1000,"twilio_call_recording_enabled":"yes",
                                          "twilio_machine_detection":{"mode":"always"}},
                 "target_concurrency_limit":0,"timezone":"Mars/Olympus","scheduled_time_unix":"soon"}""".formatted(agentId));

        assertThat(violations(response))
                .containsExactlyInAnyOrder(
                        "[\"body\",\"telephony_call_config\",\"ringing_timeout_secs\"] | less_than_equal",
                        "[\"body\",\"telephony_call_config\",\"twilio_call_recording_enabled\"] | bool_type",
                        "[\"body\",\"telephony_call_config\",\"twilio_machine_detection\",\"mode\"] | literal_error",
                        "[\"body\",\"target_concurrency_limit\"] | greater_than_equal",
                        "[\"body\",\"timezone\"] | value_error",
                        "[\"body\",\"scheduled_time_unix\"] | int_type");
    }

    @Test
    void a_ringing_timeout_of_zero_is_refused() {
        assertThat(violations(submit("""
                {"call_name":"T","agent_id":"%s","recipients":[{"phone_number":"+14155550100"}],
                 "telephony_call_config":{"ringing_timeout_secs":0}}""".formatted(agentId))))
                .containsExactly("[\"body\",\"telephony_call_config\",\"ringing_timeout_secs\"] | greater_than_equal");
    }

    @Test
    void malformed_json_is_a_422_on_the_body() {
        // Raw on purpose: the body stops after a key, which no builder can write.
        assertThat(violations(submit("{\"call_name\":"))).containsExactly("[\"body\"] | json_invalid");
    }

    @Test
    void an_unknown_agent_is_a_404_agent_not_found() {
        var response =
                submit(object("call_name", "x", "agent_id", "agent_nope", "recipients", numbers("+14155550100")));

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.json().at("/detail/status").asText()).isEqualTo("agent_not_found");
    }

    @Test
    void an_unknown_phone_number_or_branch_is_a_404() {
        var phone = submit("""
                {"call_name":"x","agent_id":"%s","agent_phone_number_id":"phnum_nope",
                 "recipients":[{"phone_number":"+14155550100"}]}""".formatted(agentId));
        var branch = submit("""
                {"call_name":"x","agent_id":"%s","branch_id":"agtbranch_nope",
                 "recipients":[{"phone_number":"+14155550100"}]}""".formatted(agentId));

        assertThat(phone.status()).isEqualTo(404);
        assertThat(phone.json().at("/detail/status").asText()).isEqualTo("phone_number_not_found");
        assertThat(branch.status()).isEqualTo(404);
        assertThat(branch.json().at("/detail/status").asText()).isEqualTo("branch_not_found");
    }

    @Test
    void a_branch_of_another_agent_is_not_this_agents_branch() {
        var other = fixtures.agent(TestServer.API_KEY, "Other");
        var branchId = fixtures.branch(TestServer.API_KEY, other, "theirs");

        var response = submit("""
                {"call_name":"x","agent_id":"%s","branch_id":"%s","recipients":[{"phone_number":"+14155550100"}]}""".formatted(agentId, branchId));

        assertThat(response.status()).isEqualTo(404);
    }

    @Test
    void an_agent_without_an_assigned_number_needs_one_named() {
        var lonely = fixtures.agent(TestServer.API_KEY, "No number");

        var response = submit(object("call_name", "x", "agent_id", lonely, "recipients", numbers("+14155550100")));

        assertThat(violations(response)).containsExactly("[\"body\",\"agent_phone_number_id\"] | missing");
        assertThat(response.json().at("/detail/0/msg").asText()).contains("no assigned phone number");
    }

    @Test
    void a_refused_submit_creates_nothing() {
        var workspace = fixtures.workspaceOf(TestServer.API_KEY);
        int before = fixtures.queryOne(
                "SELECT count(*) FROM recipients WHERE workspace_id = :w", Map.of("w", workspace), Integer.class);

        submit(withRecipients(numbers("+14155550100", "bad")));

        assertThat(fixtures.queryOne(
                        "SELECT count(*) FROM recipients WHERE workspace_id = :w",
                        Map.of("w", workspace),
                        Integer.class))
                .isEqualTo(before);
    }

    @Test
    void a_long_list_names_every_bad_recipient_in_order_as_a_short_one_does() {
        // Past the size where the numbers are checked in parallel: the answers and their order must not change.
        var recipients = array();
        var expected = new java.util.ArrayList<String>();
        for (int i = 0; i < 3_000; i++) {
            var text = "+1415555" + String.format("%04d", i);
            if (i % 700 == 3) {
                text = "+1415555" + i + "99";
                expected.add("[\"body\",\"recipients\"," + i + ",\"phone_number\"] | value_error");
            } else if (i % 1000 == 999) {
                text = "+1 415 555 " + String.format("%04d", i - 1);
                expected.add("[\"body\",\"recipients\"," + i + ",\"phone_number\"] | value_error");
            }
            recipients.add(object(
                    "phone_number",
                    text,
                    "conversation_initiation_client_data",
                    object("dynamic_variables", object("i", i))));
        }
        recipients.add(object("phone_number", 14155550000L));
        expected.add("[\"body\",\"recipients\",3000,\"phone_number\"] | string_type");

        assertThat(violations(submit(withRecipients(recipients)))).containsExactlyElementsOf(expected);
    }
}
