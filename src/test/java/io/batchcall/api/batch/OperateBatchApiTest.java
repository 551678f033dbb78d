package io.batchcall.api.batch;

import static io.batchcall.support.Body.array;
import static io.batchcall.support.Body.object;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.support.ApiClient;
import io.batchcall.support.Await;
import io.batchcall.support.Fixtures;
import io.batchcall.support.HttpResult;
import io.batchcall.support.TestServer;
import io.batchcall.support.WithServer;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Operating a batch over the API (issue 14): pause, resume, edit, append recipients, cancel one recipient. */
@WithServer
class OperateBatchApiTest {
    private static final String BASE = "/v1/convai/batch-calling/";
    private static TestServer server;
    private static Fixtures fixtures;
    private static String agentId;

    @BeforeAll
    static void start() {
        fixtures = new Fixtures(server);
        agentId = fixtures.agent(TestServer.API_KEY, "Operate");
        fixtures.phoneNumber(TestServer.API_KEY, agentId);
    }

    /** A batch scheduled a day ahead: nothing dials it while a test arranges and reads its state. */
    private static JsonNode submit(int recipients) {
        var list = array();
        for (int i = 0; i < recipients; i++) {
            list.add(object("id", "r" + i, "phone_number", "+1415555" + String.format("%04d", i)));
        }
        var response = server.client()
                .post(
                        BASE + "submit",
                        object().field("call_name", "Op")
                                .field("agent_id", agentId)
                                .field("recipients", list)
                                .field(
                                        "scheduled_time_unix",
                                        java.time.Instant.now().getEpochSecond() + 86_400));
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json();
    }

    private static HttpResult withKey(String key, String path, JsonNode body) {
        var client = new ApiClient(server.port(), Map.of("xi-api-key", TestServer.API_KEY, "Idempotency-Key", key));
        return body == null ? client.postEmpty(path) : client.post(path, body);
    }

    private static int events(String batchId, String type) {
        return fixtures.queryOne(
                "SELECT count(*) FROM events WHERE batch_id = :b AND type = :t",
                Map.of("b", batchId, "t", type),
                Integer.class);
    }

    private static void setBatch(String batchId, String status) {
        fixtures.execute("UPDATE batches SET status = :s WHERE id = :b", Map.of("s", status, "b", batchId));
    }

    @Test
    void pausing_shows_paused_keeps_the_elevenlabs_status_and_a_second_pause_changes_nothing() {
        var id = submit(2).get("id").asText();

        var paused = server.client().postEmpty(BASE + id + "/pause");
        var again = server.client().postEmpty(BASE + id + "/pause");

        assertThat(paused.status()).as(paused.toString()).isEqualTo(200);
        assertThat(paused.json().get("paused").asBoolean()).isTrue();
        assertThat(paused.json().get("paused_at_unix").isIntegralNumber()).isTrue();
        assertThat(paused.json().get("status").asText()).isEqualTo("pending");
        assertThat(again.json().get("paused_at_unix")).isEqualTo(paused.json().get("paused_at_unix"));
        assertThat(events(id, "batch.paused")).isEqualTo(1);
        var listed = server.client().get(BASE + "workspace").json().get("batch_calls");
        assertThat(listed.findValues("id").stream().map(JsonNode::asText).toList())
                .contains(id);
        for (var item : listed) {
            if (item.get("id").asText().equals(id)) {
                assertThat(item.get("paused").asBoolean()).isTrue();
            }
        }
        assertThat(server.client().get(BASE + id).json().get("paused").asBoolean())
                .isTrue();
    }

    @Test
    void resuming_clears_the_pause_and_writes_its_event() {
        var id = submit(1).get("id").asText();
        server.client().postEmpty(BASE + id + "/pause");

        var resumed = server.client().postEmpty(BASE + id + "/resume");

        assertThat(resumed.status()).isEqualTo(200);
        assertThat(resumed.json().get("paused").asBoolean()).isFalse();
        assertThat(resumed.json().get("paused_at_unix").isNull()).isTrue();
        assertThat(events(id, "batch.resumed")).isEqualTo(1);
    }

    @Test
    void a_finished_batch_cannot_be_paused_resumed_edited_or_given_recipients() {
        var id = submit(1).get("id").asText();
        setBatch(id, "completed");

        var pause = server.client().postEmpty(BASE + id + "/pause");
        var resume = server.client().postEmpty(BASE + id + "/resume");
        var edit = server.client().patch(BASE + id, object("name", "x"));
        var append = server.client().post(BASE + id + "/recipients", recipients("+14155559999"));

        for (var response : java.util.List.of(pause, resume, edit, append)) {
            assertThat(response.status()).as(response.toString()).isEqualTo(409);
            assertThat(response.json().get("detail").get("status").asText()).isEqualTo("batch_already_finished");
        }
    }

    @Test
    void a_batch_cancelled_while_paused_is_not_shown_paused() {
        var id = submit(1).get("id").asText();
        server.client().postEmpty(BASE + id + "/pause");

        var cancelled = server.client().postEmpty(BASE + id + "/cancel");

        assertThat(cancelled.json().get("status").asText()).isEqualTo("cancelled");
        assertThat(cancelled.json().get("paused").asBoolean()).isFalse();
        assertThat(cancelled.json().get("paused_at_unix").isNull()).isTrue();
    }

    @Test
    void an_unknown_batch_is_404_for_every_operation() {
        assertThat(server.client().postEmpty(BASE + "btcal_nope/pause").status())
                .isEqualTo(404);
        assertThat(server.client().postEmpty(BASE + "btcal_nope/resume").status())
                .isEqualTo(404);
        assertThat(server.client()
                        .patch(BASE + "btcal_nope", object("name", "x"))
                        .status())
                .isEqualTo(404);
        assertThat(server.client()
                        .postEmpty(BASE + "btcal_nope/recipients/r0/cancel")
                        .status())
                .isEqualTo(404);
    }

    @Test
    void a_pause_under_one_idempotency_key_is_replayed_and_a_different_request_with_it_refused() {
        var id = submit(1).get("id").asText();

        var first = withKey("pause-key", BASE + id + "/pause", null);
        var replay = withKey("pause-key", BASE + id + "/pause", null);
        var other = withKey("pause-key", BASE + id + "/resume", null);

        assertThat(replay.body()).isEqualTo(first.body());
        assertThat(replay.headers().firstValue("Idempotent-Replayed")).contains("true");
        assertThat(other.status()).isEqualTo(409);
        assertThat(other.body()).contains("idempotency_key_reused");
        assertThat(events(id, "batch.paused")).isEqualTo(1);
    }

    @Test
    void editing_changes_name_limit_ringing_timeout_and_the_schedule_of_a_batch_not_started() {
        var id = submit(1).get("id").asText();
        long later = java.time.Instant.now().getEpochSecond() + 7_200;

        var edited = server.client()
                .patch(
                        BASE + id,
                        object().field("name", "Renamed")
                                .field("target_concurrency_limit", 7)
                                .field("scheduled_time_unix", later)
                                .field("telephony_call_config", object("ringing_timeout_secs", 25)));
        var cleared = server.client().patch(BASE + id, object("target_concurrency_limit", null));

        assertThat(edited.status()).as(edited.toString()).isEqualTo(200);
        assertThat(edited.json().get("name").asText()).isEqualTo("Renamed");
        assertThat(edited.json().get("target_concurrency_limit").asInt()).isEqualTo(7);
        assertThat(edited.json().get("scheduled_time_unix").asLong()).isEqualTo(later);
        assertThat(edited.json()
                        .get("telephony_call_config")
                        .get("ringing_timeout_secs")
                        .asInt())
                .isEqualTo(25);
        assertThat(cleared.json().get("target_concurrency_limit").isNull()).isTrue();
        assertThat(cleared.json().get("name").asText()).isEqualTo("Renamed");
        // Each edit is an event a webhook receives, with the batch as it became.
        assertThat(events(id, "batch.updated")).isEqualTo(2);
        assertThat(fixtures.queryList(
                                "SELECT body FROM events WHERE batch_id = :b AND type = 'batch.updated'"
                                        + " ORDER BY seq",
                                Map.of("b", id),
                                String.class)
                        .getFirst())
                .contains("\"name\":\"Renamed\"");
    }

    @Test
    void an_edit_that_asks_for_nothing_changes_nothing_and_sends_no_event() {
        var id = submit(1).get("id").asText();
        var before = server.client().get(BASE + id).json();

        var empty = server.client().patch(BASE + id, object());
        var nulls = server.client()
                .patch(BASE + id, object().field("scheduled_time_unix", null).field("telephony_call_config", null));

        assertThat(empty.status()).as(empty.toString()).isEqualTo(200);
        assertThat(nulls.status()).as(nulls.toString()).isEqualTo(200);
        assertThat(nulls.json().get("last_updated_at_unix").asLong())
                .isEqualTo(before.get("last_updated_at_unix").asLong());
        assertThat(nulls.json().get("scheduled_time_unix").asLong())
                .isEqualTo(before.get("scheduled_time_unix").asLong());
        assertThat(events(id, "batch.updated")).isZero();
    }

    @Test
    void editing_refuses_a_started_schedule_fixed_fields_and_unknown_keys() {
        var id = submit(1).get("id").asText();
        setBatch(id, "in_progress");

        var schedule = server.client()
                .patch(
                        BASE + id,
                        object("scheduled_time_unix", java.time.Instant.now().getEpochSecond() + 60));
        var agent = server.client().patch(BASE + id, object("agent_id", "agent_other"));
        var unknown = server.client().patch(BASE + id, object("colour", "red"));
        var tooLow = server.client().patch(BASE + id, object("target_concurrency_limit", 0));

        assertThat(schedule.status()).isEqualTo(409);
        assertThat(schedule.json().get("detail").get("status").asText()).isEqualTo("batch_already_started");
        assertThat(events(id, "batch.updated")).isZero();
        assertThat(agent.status()).isEqualTo(409);
        assertThat(agent.json().get("detail").get("status").asText()).isEqualTo("field_immutable");
        assertThat(agent.json().get("detail").get("message").asText()).contains("agent_id");
        assertThat(unknown.status()).isEqualTo(422);
        assertThat(unknown.body()).contains("colour").contains("extra_forbidden");
        assertThat(tooLow.status()).isEqualTo(422);
    }

    @Test
    void appending_recipients_counts_them_and_refuses_duplicates_by_index() {
        var id = submit(2).get("id").asText();

        var appended = server.client()
                .post(
                        BASE + id + "/recipients",
                        object("recipients", array(object("id", "new1", "phone_number", "+14155558001"))));
        var duplicate = server.client().post(BASE + id + "/recipients", recipients("+14155558002", "+14155550001"));
        var invalid = server.client().post(BASE + id + "/recipients", recipients("not a number"));

        assertThat(appended.status()).as(appended.toString()).isEqualTo(200);
        assertThat(appended.json().get("total_calls_scheduled").asInt()).isEqualTo(3);
        assertThat(server.client().get(BASE + id).json().get("recipients").findValues("id").stream()
                        .map(JsonNode::asText)
                        .toList())
                .containsExactly("r0", "r1", "new1");
        assertThat(duplicate.status()).isEqualTo(422);
        assertThat(duplicate.json().get("detail").get(0).get("loc").toString())
                .isEqualTo("[\"body\",\"recipients\",1,\"phone_number\"]");
        assertThat(invalid.status()).isEqualTo(422);
        assertThat(server.client()
                        .get(BASE + id)
                        .json()
                        .get("total_calls_scheduled")
                        .asInt())
                .isEqualTo(3);
        // One event for the append that was taken, none for the refused ones.
        assertThat(events(id, "batch.recipients_added")).isEqualTo(1);
    }

    @Test
    void appending_past_ten_thousand_recipients_in_all_is_refused() {
        var id = submit(1).get("id").asText();
        fixtures.execute("UPDATE batches SET total_scheduled = 10000 WHERE id = :b", Map.of("b", id));

        var response = server.client().post(BASE + id + "/recipients", recipients("+14155558003"));

        assertThat(response.status()).isEqualTo(422);
        assertThat(response.body()).contains("too_long");
    }

    @Test
    void appending_under_one_idempotency_key_adds_the_recipients_once() {
        var id = submit(1).get("id").asText();
        var body = recipients("+14155558004");

        var first = withKey("append-key", BASE + id + "/recipients", body);
        var replay = withKey("append-key", BASE + id + "/recipients", body);

        assertThat(first.status()).isEqualTo(200);
        assertThat(replay.body()).isEqualTo(first.body());
        assertThat(server.client()
                        .get(BASE + id)
                        .json()
                        .get("total_calls_scheduled")
                        .asInt())
                .isEqualTo(2);
    }

    @Test
    void cancelling_the_last_open_recipient_completes_the_batch_with_true_counters() {
        var id = submit(2).get("id").asText();
        fixtures.execute(
                "UPDATE recipients SET status = 'completed' WHERE batch_id = :b AND id = 'r0'", Map.of("b", id));
        fixtures.execute(
                "UPDATE batches SET status = 'in_progress', total_finished = 1 WHERE id = :b", Map.of("b", id));

        var cancelled = server.client().postEmpty(BASE + id + "/recipients/r1/cancel");
        var again = server.client().postEmpty(BASE + id + "/recipients/r1/cancel");
        var missing = server.client().postEmpty(BASE + id + "/recipients/nobody/cancel");

        assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(200);
        assertThat(cancelled.json().get("status").asText()).isEqualTo("cancelled");
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.json().get("detail").get("status").asText()).isEqualTo("recipient_already_finished");
        assertThat(missing.status()).isEqualTo(404);
        var batch = server.client().get(BASE + id).json();
        assertThat(batch.get("status").asText()).isEqualTo("completed");
        assertThat(batch.get("total_calls_finished").asInt()).isEqualTo(2);
        assertThat(events(id, "recipient.cancelled")).isEqualTo(1);
        assertThat(events(id, "batch.completed")).isEqualTo(1);
    }

    @Test
    void cancelling_a_recipient_under_one_idempotency_key_is_replayed() {
        var id = submit(2).get("id").asText();

        var first = withKey("cancel-r-key", BASE + id + "/recipients/r0/cancel", null);
        var replay = withKey("cancel-r-key", BASE + id + "/recipients/r0/cancel", null);

        assertThat(first.status()).isEqualTo(200);
        assertThat(replay.status()).isEqualTo(200);
        assertThat(replay.body()).isEqualTo(first.body());
        assertThat(server.client().get(BASE + id).json().get("status").asText()).isEqualTo("pending");
    }

    @Test
    void an_edit_under_one_idempotency_key_is_replayed() {
        var id = submit(1).get("id").asText();
        var client =
                new ApiClient(server.port(), Map.of("xi-api-key", TestServer.API_KEY, "Idempotency-Key", "edit-key"));

        var first = client.patch(BASE + id, object("name", "Once"));
        var replay = client.patch(BASE + id, object("name", "Once"));
        var other = client.patch(BASE + id, object("name", "Twice"));

        assertThat(first.status()).isEqualTo(200);
        assertThat(replay.body()).isEqualTo(first.body());
        assertThat(replay.headers().firstValue("Idempotent-Replayed")).contains("true");
        assertThat(other.status()).isEqualTo(409);
        assertThat(server.client().get(BASE + id).json().get("name").asText()).isEqualTo("Once");
    }

    @Test
    void cancelling_a_ringing_recipient_cancels_its_call_and_an_answered_one_is_left_to_finish() {
        var response = server.client()
                .post(
                        BASE + "submit",
                        object().field("call_name", "Ring")
                                .field("agent_id", agentId)
                                .field(
                                        "recipients",
                                        array(
                                                simulated("ringing", "+14155557001", 20000, 100),
                                                simulated("talking", "+14155557002", 10, 1500))));
        var id = response.json().get("id").asText();
        Await.until(
                java.time.Duration.ofSeconds(10),
                "one call ringing and one answered",
                () -> recipientStatus(id, "ringing").equals("initiated")
                        && recipientStatus(id, "talking").equals("in_progress"));

        var ringing = server.client().postEmpty(BASE + id + "/recipients/ringing/cancel");
        var talking = server.client().postEmpty(BASE + id + "/recipients/talking/cancel");

        assertThat(ringing.status()).as(ringing.toString()).isEqualTo(200);
        assertThat(talking.status()).isEqualTo(200);
        assertThat(talking.json().get("status").asText()).isEqualTo("in_progress");
        Await.until(
                java.time.Duration.ofSeconds(10),
                "the batch to complete",
                () -> server.client().batchStatus(id).equals("completed"));
        assertThat(recipientStatus(id, "ringing")).isEqualTo("cancelled");
        assertThat(recipientStatus(id, "talking")).isEqualTo("completed");
    }

    /** A recipient the simulator answers after ringMs and hangs up on after talkMs. */
    private static JsonNode simulated(String id, String phoneNumber, int ringMs, int talkMs) {
        var variables = object("sim_outcome", "completed", "sim_ring_ms", ringMs, "sim_talk_ms", talkMs);
        return object().field("id", id)
                .field("phone_number", phoneNumber)
                .field("conversation_initiation_client_data", object("dynamic_variables", variables));
    }

    /** An append body: recipients with only a phone number each. */
    private static JsonNode recipients(String... phoneNumbers) {
        var list = array();
        for (var phoneNumber : phoneNumbers) {
            list.add(object("phone_number", phoneNumber));
        }
        return object("recipients", list);
    }

    private static String recipientStatus(String batchId, String recipientId) {
        return fixtures.queryOne(
                "SELECT status FROM recipients WHERE batch_id = :b AND id = :r",
                Map.of("b", batchId, "r", recipientId),
                String.class);
    }

    @Test
    void the_workspace_dispatch_pause_is_readable_and_writable() {
        var before = server.client().get("/v1/batchcall/workspace").json();
        var on = server.client().patch("/v1/batchcall/workspace", object("dispatch_paused", true));
        var read = server.client().get("/v1/batchcall/workspace").json();
        var off = server.client().patch("/v1/batchcall/workspace", object("dispatch_paused", false));
        var wrong = server.client().patch("/v1/batchcall/workspace", object("dispatch_paused", "yes"));

        assertThat(before.get("dispatch_paused").asBoolean()).isFalse();
        assertThat(on.status()).as(on.toString()).isEqualTo(200);
        assertThat(read.get("dispatch_paused").asBoolean()).isTrue();
        assertThat(off.json().get("dispatch_paused").asBoolean()).isFalse();
        assertThat(wrong.status()).isEqualTo(422);
    }
}
