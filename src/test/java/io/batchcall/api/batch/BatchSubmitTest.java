package io.batchcall.api.batch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.support.Fixtures;
import io.batchcall.support.TestServer;
import io.batchcall.support.WithServer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

@WithServer
class BatchSubmitTest {
    /** Every key of BatchCallResponse in the spec, plus our extensions failure_reason, paused, paused_at_unix. */
    static final List<String> BATCH_KEYS = List.of(
            "id",
            "phone_number_id",
            "phone_provider",
            "whatsapp_params",
            "name",
            "agent_id",
            "branch_id",
            "environment",
            "created_at_unix",
            "scheduled_time_unix",
            "timezone",
            "total_calls_dispatched",
            "total_calls_scheduled",
            "total_calls_finished",
            "last_updated_at_unix",
            "status",
            "retry_count",
            "telephony_call_config",
            "target_concurrency_limit",
            "agent_name",
            "branch_name",
            "failure_reason",
            "paused",
            "paused_at_unix");

    private static TestServer server;
    private static Fixtures fixtures;
    private static String agentId;
    private static String phoneNumberId;

    @BeforeAll
    static void start() {
        fixtures = new Fixtures(server);
        agentId = fixtures.agent(TestServer.API_KEY, "Support agent");
        phoneNumberId = fixtures.phoneNumber(TestServer.API_KEY, agentId);
    }

    private static JsonNode submit(String body) {
        var response = server.client().post("/v1/convai/batch-calling/submit", body);
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json();
    }

    @Test
    void a_minimal_submit_answers_a_full_batch_call_response_with_defaults_applied() {
        var batch = submit("""
                {"call_name":"My batch","agent_id":"%s","recipients":[{"phone_number":"+14155550123"}]}""".formatted(agentId));

        // Submit's answer adds our suppressed_recipients (how many the do-not-call rules will skip) at the end.
        var submitKeys = new ArrayList<>(BATCH_KEYS);
        submitKeys.add("suppressed_recipients");
        assertThat(batch.properties()).extracting(java.util.Map.Entry::getKey).containsExactlyElementsOf(submitKeys);
        assertThat(batch.get("suppressed_recipients").asInt()).isZero();
        assertThat(batch.get("id").asText()).matches("btcal_[a-z0-9]{28}");
        assertThat(batch.get("name").asText()).isEqualTo("My batch");
        assertThat(batch.get("agent_name").asText()).isEqualTo("Support agent");
        assertThat(batch.get("phone_number_id").asText()).isEqualTo(phoneNumberId);
        assertThat(batch.get("phone_provider").asText()).isEqualTo("simulator");
        assertThat(batch.get("status").asText()).isEqualTo("pending");
        assertThat(batch.get("total_calls_scheduled").isInt()).isTrue();
        assertThat(batch.get("total_calls_scheduled").asInt()).isEqualTo(1);
        assertThat(batch.get("total_calls_dispatched").asInt()).isZero();
        assertThat(batch.get("total_calls_finished").asInt()).isZero();
        assertThat(batch.get("retry_count").asInt()).isZero();
        assertThat(batch.get("telephony_call_config").toString())
                .isEqualTo(
                        "{\"ringing_timeout_secs\":60,\"twilio_call_recording_enabled\":false,\"twilio_machine_detection\":null}");
        assertThat(batch.get("scheduled_time_unix").asLong())
                .isEqualTo(batch.get("created_at_unix").asLong());
        assertThat(batch.get("branch_id").isNull()).isTrue();
        assertThat(batch.get("timezone").isNull()).isTrue();
        assertThat(batch.get("target_concurrency_limit").isNull()).isTrue();
    }

    @Test
    void every_option_is_stored_and_echoed_and_client_data_comes_back_verbatim() {
        var branchId = fixtures.branch(TestServer.API_KEY, agentId, "experiment");
        long future = java.time.Instant.now().getEpochSecond() + 3600;
        var clientData = "{\"dynamic_variables\":{\"first_name\":\"Ann\",\"camelKey\":3,\"ratio\":1.10,"
                + "\"vip\":true,\"nested\":{\"a\":[1,\"x\",null]},\"none\":null},\"user_id\":\"u1\","
                + "\"source_info\":{\"source\":\"node_js_sdk\",\"version\":\"x\"},"
                + "\"conversation_config_override\":{\"agent\":{\"first_message\":\"Hi {{first_name}}\",\"language\":\"en\"}}}";
        var batch = submit("""
                {"call_name":"All options","agent_id":"%s","agent_phone_number_id":"%s","scheduled_time_unix":%d,
                 "timezone":"Europe/Berlin","branch_id":"%s","environment":"production","target_concurrency_limit":5,
                 "telephony_call_config":{"ringing_timeout_secs":30,"twilio_call_recording_enabled":true,
                                          "twilio_machine_detection":{"mode":"detect_message_end"}},
                 "unknown_field":"ignored",
                 "recipients":[{"id":"my-rcp-1","phone_number":"+1 (415) 555-0124","conversation_initiation_client_data":%s},
                               {"phone_number":"+4930901820"}]}""".formatted(agentId, phoneNumberId, future, branchId, clientData));

        assertThat(batch.get("scheduled_time_unix").asLong()).isEqualTo(future);
        assertThat(batch.get("timezone").asText()).isEqualTo("Europe/Berlin");
        assertThat(batch.get("branch_id").asText()).isEqualTo(branchId);
        assertThat(batch.get("branch_name").asText()).isEqualTo("experiment");
        assertThat(batch.get("environment").asText()).isEqualTo("production");
        assertThat(batch.get("target_concurrency_limit").asInt()).isEqualTo(5);
        assertThat(batch.get("telephony_call_config").toString())
                .isEqualTo(
                        "{\"ringing_timeout_secs\":30,"
                                + "\"twilio_call_recording_enabled\":true,\"twilio_machine_detection\":{\"mode\":\"detect_message_end\"}}");

        var detailed = server.client()
                .get("/v1/convai/batch-calling/" + batch.get("id").asText());
        var recipients = detailed.json().get("recipients");
        assertThat(recipients).hasSize(2);
        assertThat(recipients.get(0).get("id").asText()).isEqualTo("my-rcp-1");
        assertThat(recipients.get(0).get("phone_number").asText()).isEqualTo("+14155550124");
        assertThat(recipients.get(1).get("id").asText()).startsWith("rcp_");
        assertThat(recipients.get(1).get("phone_number").asText()).isEqualTo("+4930901820");
        assertThat(detailed.body()).contains("\"conversation_initiation_client_data\":" + clientData);
        assertThat(recipients.get(1).get("conversation_initiation_client_data").isNull())
                .isTrue();
    }

    @Test
    void explicit_nulls_are_accepted_for_every_optional_field() {
        var batch = submit("""
                {"call_name":"Nulls","agent_id":"%s","agent_phone_number_id":null,"scheduled_time_unix":null,
                 "timezone":null,"branch_id":null,"environment":null,"target_concurrency_limit":null,
                 "telephony_call_config":null,"whatsapp_params":null,
                 "recipients":[{"id":null,"phone_number":"+14155550125","whatsapp_user_id":null,
                                "conversation_initiation_client_data":null}]}""".formatted(agentId));

        assertThat(batch.get("phone_number_id").asText()).isEqualTo(phoneNumberId);
        assertThat(batch.get("telephony_call_config")
                        .get("ringing_timeout_secs")
                        .asInt())
                .isEqualTo(60);
    }

    @Test
    void a_schedule_in_the_past_means_now() {
        var batch = submit("""
                {"call_name":"Past","agent_id":"%s","scheduled_time_unix":1000,
                 "recipients":[{"phone_number":"+14155550126"}]}""".formatted(agentId));

        assertThat(batch.get("scheduled_time_unix").asLong())
                .isEqualTo(batch.get("created_at_unix").asLong());
    }

    @Test
    void ten_thousand_recipients_are_stored_and_returned_in_order() {
        var recipients = new ArrayList<String>();
        for (int i = 0; i < 10_000; i++) {
            recipients.add("{\"phone_number\":\"+1415555%04d\",\"conversation_initiation_client_data\":".formatted(i)
                    + "{\"dynamic_variables\":{\"n\":" + i + "}}}");
        }
        var body = "{\"call_name\":\"Large\",\"agent_id\":\"" + agentId + "\",\"scheduled_time_unix\":"
                + (java.time.Instant.now().getEpochSecond() + 86_400) + ",\"recipients\":["
                + String.join(",", recipients) + "]}";
        var batch = submit(body);

        assertThat(batch.get("total_calls_scheduled").asInt()).isEqualTo(10_000);
        var detailed = server.client()
                .get("/v1/convai/batch-calling/" + batch.get("id").asText())
                .json();
        assertThat(detailed.get("recipients")).hasSize(10_000);
        assertThat(detailed.get("recipients")
                        .get(9_999)
                        .at("/conversation_initiation_client_data/dynamic_variables/n")
                        .asInt())
                .isEqualTo(9_999);
        // Ids the server made begin with the time they were made (IdSource): in submitted order, each index entry
        // goes to its index's right edge.
        var ids = new ArrayList<String>();
        detailed.get("recipients")
                .forEach(recipient -> ids.add(recipient.get("id").asText()));
        assertThat(ids).isSortedAccordingTo(Comparator.naturalOrder()).doesNotHaveDuplicates();
    }

    @Test
    void batches_submitted_one_after_another_have_ids_in_the_order_they_were_submitted_beginning_with_that_time() {
        var batches = new ArrayList<JsonNode>();
        for (int i = 0; i < 5; i++) {
            batches.add(submit("""
                    {"call_name":"In turn %d","agent_id":"%s","recipients":[{"phone_number":"+14155550199"}]}""".formatted(i, agentId)));
        }

        var ids = batches.stream().map(batch -> batch.get("id").asText()).toList();
        assertThat(ids).isSortedAccordingTo(Comparator.naturalOrder()).allMatch(id -> id.matches("btcal_[a-z0-9]{28}"));
        // An id's first 11 characters are the server clock's microseconds in base 36 (IdSource): the clock that also
        // stamps created_at.
        for (var batch : batches) {
            var timePart = batch.get("id").asText().substring("btcal_".length(), "btcal_".length() + 11);
            assertThat(Long.parseLong(timePart, 36) / 1_000_000)
                    .isCloseTo(batch.get("created_at_unix").asLong(), Offset.offset(2L));
        }
    }
}
