package io.batchcall.api.batch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.support.ApiClient;
import io.batchcall.support.Fixtures;
import io.batchcall.support.HttpResult;
import io.batchcall.support.TestServer;
import io.batchcall.support.WithServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Get, cancel, retry and delete; Idempotency-Key; and one workspace never seeing another's batches. */
@WithServer
class BatchLifecycleTest {
    private static TestServer server;
    private static Fixtures fixtures;
    private static String agentId;

    @BeforeAll
    static void start() {
        fixtures = new Fixtures(server);
        agentId = fixtures.agent(TestServer.API_KEY, "Lifecycle");
        fixtures.phoneNumber(TestServer.API_KEY, agentId);
    }

    private static JsonNode submit(int recipients, String extra) {
        var list = new StringBuilder();
        for (int i = 0; i < recipients; i++) {
            list.append(i == 0 ? "" : ",")
                    .append("{\"id\":\"r")
                    .append(i)
                    .append("\",\"phone_number\":\"+1415555")
                    .append(String.format("%04d", i))
                    .append("\"}");
        }
        // Scheduled a day ahead unless the test says otherwise: these tests arrange statuses themselves, and the
        // dispatcher must not dial meanwhile.
        var schedule = extra.contains("scheduled_time_unix")
                ? ""
                : ",\"scheduled_time_unix\":" + (java.time.Instant.now().getEpochSecond() + 86_400);
        var response = server.client()
                .post(
                        "/v1/convai/batch-calling/submit",
                        "{\"call_name\":\"L\",\"agent_id\":\"" + agentId + "\",\"recipients\":[" + list + "]" + extra
                                + schedule + "}");
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json();
    }

    private static void setRecipient(String batchId, String recipientId, String status) {
        fixtures.execute(
                "UPDATE recipients SET status = :status WHERE batch_id = :b AND id = :r",
                Map.of("status", status, "b", batchId, "r", recipientId));
    }

    private static void setBatch(String batchId, String status, int finished) {
        fixtures.execute(
                "UPDATE batches SET status = :status, total_finished = :f WHERE id = :b",
                Map.of("status", status, "f", finished, "b", batchId));
    }

    private static HttpResult post(String path, Map<String, String> headers) {
        return new ApiClient(server.port(), merge(headers)).postEmpty(path);
    }

    private static Map<String, String> merge(Map<String, String> headers) {
        var all = new java.util.HashMap<>(headers);
        all.put("xi-api-key", TestServer.API_KEY);
        return all;
    }

    @Test
    void get_returns_the_batch_and_every_recipient_with_the_extension_fields() {
        var id = submit(3, "").get("id").asText();

        var batch = server.client().get("/v1/convai/batch-calling/" + id).json();

        assertThat(batch.get("recipients")).hasSize(3);
        var recipient = batch.get("recipients").get(0);
        assertThat(recipient.properties())
                .extracting(Map.Entry::getKey)
                .containsExactly(
                        "id",
                        "phone_number",
                        "whatsapp_user_id",
                        "status",
                        "created_at_unix",
                        "updated_at_unix",
                        "conversation_id",
                        "conversation_initiation_client_data",
                        "attempt_count",
                        "last_outcome",
                        "hold_reason",
                        "skip_reason",
                        "next_attempt_at_unix",
                        "timezone",
                        "timezones",
                        "timezone_source",
                        "region");
        assertThat(recipient.get("status").asText()).isEqualTo("pending");
        assertThat(recipient.get("hold_reason").isNull()).isTrue();
        assertThat(recipient.get("timezones").isNull()).isTrue();
        assertThat(recipient.get("conversation_id").isNull()).isTrue();
        assertThat(recipient.get("attempt_count").asInt()).isZero();
        assertThat(batch.get("name").asText()).isEqualTo("L");
    }

    @Test
    void an_unknown_batch_is_a_404_on_every_endpoint() {
        var client = server.client();
        for (var response : new HttpResult[] {
            client.get("/v1/convai/batch-calling/btcal_nope"),
            client.postEmpty("/v1/convai/batch-calling/btcal_nope/cancel"),
            client.postEmpty("/v1/convai/batch-calling/btcal_nope/retry"),
            client.get("/v1/convai/batch-calling/btcal_nope/export"),
            client.delete("/v1/convai/batch-calling/btcal_nope")
        }) {
            assertThat(response.status()).as(response.toString()).isEqualTo(404);
            assertThat(response.json().at("/detail/status").asText()).isEqualTo("batch_not_found");
        }
    }

    @Test
    void cancelling_a_scheduled_batch_cancels_every_recipient_not_yet_dialed() {
        long future = java.time.Instant.now().getEpochSecond() + 86_400;
        var id = submit(4, ",\"scheduled_time_unix\":" + future).get("id").asText();

        var cancelled = server.client().postEmpty("/v1/convai/batch-calling/" + id + "/cancel");

        assertThat(cancelled.status()).isEqualTo(200);
        assertThat(cancelled.json().get("status").asText()).isEqualTo("cancelled");
        assertThat(cancelled.json().get("total_calls_finished").asInt()).isEqualTo(4);
        var batch = server.client().get("/v1/convai/batch-calling/" + id).json();
        assertThat(batch.get("recipients"))
                .allSatisfy(r -> assertThat(r.get("status").asText()).isEqualTo("cancelled"));
    }

    @Test
    void recipients_already_finished_keep_their_outcome_when_the_batch_is_cancelled() {
        var id = submit(3, "").get("id").asText();
        setRecipient(id, "r0", "completed");
        setBatch(id, "in_progress", 1);

        var cancelled = server.client()
                .postEmpty("/v1/convai/batch-calling/" + id + "/cancel")
                .json();

        assertThat(cancelled.get("total_calls_finished").asInt()).isEqualTo(3);
        var statuses =
                server.client().get("/v1/convai/batch-calling/" + id).json().get("recipients");
        assertThat(statuses.get(0).get("status").asText()).isEqualTo("completed");
        assertThat(statuses.get(1).get("status").asText()).isEqualTo("cancelled");
    }

    @Test
    void cancelling_twice_returns_the_cancelled_batch_unchanged_and_a_finished_batch_cannot_be_cancelled() {
        var id = submit(1, "").get("id").asText();
        var first = server.client()
                .postEmpty("/v1/convai/batch-calling/" + id + "/cancel")
                .json();
        var again = server.client().postEmpty("/v1/convai/batch-calling/" + id + "/cancel");
        var done = submit(1, "").get("id").asText();
        setBatch(done, "completed", 1);

        var refused = server.client().postEmpty("/v1/convai/batch-calling/" + done + "/cancel");

        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json()).isEqualTo(first);
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.json().at("/detail/status").asText()).isEqualTo("batch_already_finished");
    }

    @Test
    void retry_sends_failed_and_voicemail_recipients_back_and_leaves_the_rest() {
        var id = submit(4, "").get("id").asText();
        setRecipient(id, "r0", "completed");
        setRecipient(id, "r1", "failed");
        setRecipient(id, "r2", "voicemail");
        setRecipient(id, "r3", "cancelled");
        setBatch(id, "completed", 4);

        var retried = server.client().postEmpty("/v1/convai/batch-calling/" + id + "/retry");

        assertThat(retried.status()).isEqualTo(200);
        assertThat(retried.json().get("status").asText()).isEqualTo("in_progress");
        assertThat(retried.json().get("retry_count").asInt()).isEqualTo(1);
        assertThat(retried.json().get("total_calls_finished").asInt()).isEqualTo(2);
        var statuses =
                server.client().get("/v1/convai/batch-calling/" + id).json().get("recipients");
        assertThat(statuses)
                .extracting(r -> r.get("status").asText())
                .containsExactly("completed", "pending", "pending", "cancelled");
    }

    @Test
    void retry_of_a_cancelled_batch_or_with_nothing_to_retry_is_a_409() {
        var cancelled = submit(1, "").get("id").asText();
        server.client().postEmpty("/v1/convai/batch-calling/" + cancelled + "/cancel");
        var clean = submit(1, "").get("id").asText();

        var refusedCancelled = server.client().postEmpty("/v1/convai/batch-calling/" + cancelled + "/retry");
        var refusedClean = server.client().postEmpty("/v1/convai/batch-calling/" + clean + "/retry");

        assertThat(refusedCancelled.status()).isEqualTo(409);
        assertThat(refusedCancelled.json().at("/detail/status").asText()).isEqualTo("batch_cancelled");
        assertThat(refusedClean.status()).isEqualTo(409);
        assertThat(refusedClean.json().at("/detail/status").asText()).isEqualTo("nothing_to_retry");
    }

    @Test
    void a_deleted_batch_is_gone_from_every_endpoint_and_the_list() throws Exception {
        var id = submit(2, "").get("id").asText();

        var deleted = server.client().delete("/v1/convai/batch-calling/" + id);

        assertThat(deleted.status()).isEqualTo(204);
        assertThat(deleted.body()).isEmpty();
        assertThat(server.client().get("/v1/convai/batch-calling/" + id).status())
                .isEqualTo(404);
        assertThat(server.client().delete("/v1/convai/batch-calling/" + id).status())
                .isEqualTo(404);
        assertThat(server.client().get("/v1/convai/batch-calling/workspace").body())
                .doesNotContain(id);
        assertThat(fixtures.queryOne(
                        "SELECT count(*) FROM recipients WHERE batch_id = :b", Map.of("b", id), Integer.class))
                .isZero();
    }

    @Test
    void the_same_idempotency_key_and_body_returns_the_first_response_and_creates_one_batch() throws Exception {
        var body = "{\"call_name\":\"Idem\",\"agent_id\":\"" + agentId
                + "\",\"recipients\":[{\"phone_number\":\"+14155550100\"}]}";
        var http = HttpClient.newHttpClient();
        var request = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.port() + "/v1/convai/batch-calling/submit"))
                .header("xi-api-key", TestServer.API_KEY)
                .header("Idempotency-Key", "key-123")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();

        var first = http.send(request, HttpResponse.BodyHandlers.ofString());
        var second = http.send(request, HttpResponse.BodyHandlers.ofString());
        var otherBody = http.send(
                HttpRequest.newBuilder(request.uri())
                        .header("xi-api-key", TestServer.API_KEY)
                        .header("Idempotency-Key", "key-123")
                        .POST(HttpRequest.BodyPublishers.ofString(body.replace("Idem", "Other")))
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(second.body()).isEqualTo(first.body());
        assertThat(second.headers().firstValue("Idempotent-Replayed")).contains("true");
        assertThat(otherBody.statusCode()).isEqualTo(409);
        assertThat(otherBody.body()).contains("idempotency_key_reused");
        assertThat(fixtures.queryOne("SELECT count(*) FROM batches WHERE name = 'Idem'", Map.of(), Integer.class))
                .isEqualTo(1);
    }

    @Test
    void concurrent_submits_with_one_key_create_one_batch() throws Exception {
        var body = "{\"call_name\":\"Race\",\"agent_id\":\"" + agentId
                + "\",\"recipients\":[{\"phone_number\":\"+14155550100\"}]}";
        var client = new ApiClient(server.port(), merge(Map.of("Idempotency-Key", "race-key")));
        var responses = new java.util.concurrent.CopyOnWriteArrayList<HttpResult>();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(8)) {
            for (int i = 0; i < 8; i++) {
                pool.submit(() -> responses.add(client.post("/v1/convai/batch-calling/submit", body)));
            }
        }

        assertThat(responses).hasSize(8).allSatisfy(r -> assertThat(r.status()).isEqualTo(200));
        assertThat(responses)
                .extracting(r -> r.json().get("id").asText())
                .containsOnly(responses.getFirst().json().get("id").asText());
        assertThat(fixtures.queryOne("SELECT count(*) FROM batches WHERE name = 'Race'", Map.of(), Integer.class))
                .isEqualTo(1);
    }

    @Test
    void a_retry_with_an_idempotency_key_counts_once() {
        var id = submit(2, "").get("id").asText();
        setRecipient(id, "r0", "failed");
        setBatch(id, "completed", 2);
        var path = "/v1/convai/batch-calling/" + id + "/retry";

        var first = post(path, Map.of("Idempotency-Key", "retry-1"));
        setRecipient(id, "r0", "failed");
        var repeated = post(path, Map.of("Idempotency-Key", "retry-1"));

        assertThat(first.json().get("retry_count").asInt()).isEqualTo(1);
        assertThat(repeated.status()).isEqualTo(200);
        assertThat(repeated.json().get("retry_count").asInt()).isEqualTo(1);
    }

    @Test
    void another_workspaces_batch_is_invisible_on_every_endpoint() {
        var id = submit(1, "").get("id").asText();
        var other = server.client(server.newWorkspaceKey("Intruder"));

        for (var response : new HttpResult[] {
            other.get("/v1/convai/batch-calling/" + id),
            other.postEmpty("/v1/convai/batch-calling/" + id + "/cancel"),
            other.postEmpty("/v1/convai/batch-calling/" + id + "/retry"),
            other.get("/v1/convai/batch-calling/" + id + "/export"),
            other.delete("/v1/convai/batch-calling/" + id)
        }) {
            assertThat(response.status()).as(response.toString()).isEqualTo(404);
        }
        assertThat(other.get("/v1/convai/batch-calling/workspace").json().get("batch_calls"))
                .isEmpty();
        assertThat(server.client()
                        .get("/v1/convai/batch-calling/" + id)
                        .json()
                        .get("status")
                        .asText())
                .isEqualTo("pending");
    }
}
