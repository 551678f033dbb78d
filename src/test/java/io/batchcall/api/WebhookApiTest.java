package io.batchcall.api;

import static io.batchcall.support.Body.array;
import static io.batchcall.support.Body.object;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.batchcall.support.ApiClient;
import io.batchcall.support.Await;
import io.batchcall.support.Fixtures;
import io.batchcall.support.HttpResult;
import io.batchcall.support.TestServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The webhook API over real HTTP: ElevenLabs' configuration endpoints (webhooks and convai settings) and our
 * extensions (test, delivery log, retry, replay, rotation, the events feed), each happy path and each error.
 */
class WebhookApiTest {
    private static TestServer server;
    private static Fixtures fixtures;
    private static HttpServer receiver;
    private static final List<Map<String, String>> received = new CopyOnWriteArrayList<>();
    private static final AtomicInteger answer = new AtomicInteger(200);
    private ApiClient client;
    private String key;

    @BeforeAll
    static void start() throws Exception {
        // The receiver listens on loopback, which the egress policy allows only when private networks are.
        server = TestServer.start(Map.of("BATCHCALL_ALLOW_PRIVATE_NETWORKS", "true"), List.of());
        fixtures = new Fixtures(server);
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/", exchange -> {
            var body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.add(Map.of(
                    "id",
                    String.valueOf(exchange.getRequestHeaders().getFirst("webhook-id")),
                    "type",
                    String.valueOf(exchange.getRequestHeaders().getFirst("Batchcall-Event-Type")),
                    "body",
                    body));
            var reply = "thanks".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(answer.get(), reply.length);
            exchange.getResponseBody().write(reply);
            exchange.close();
        });
        receiver.start();
    }

    @AfterAll
    static void stop() {
        receiver.stop(0);
        server.close();
    }

    @BeforeEach
    void workspace() {
        key = server.newWorkspaceKey("webhooks " + System.nanoTime());
        client = server.client(key);
        answer.set(200);
    }

    private static String url() {
        return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
    }

    /** Creates an hmac webhook named CRM that posts to the receiver, with the extra settings given. */
    private JsonNode create(Object... extraKeysAndValues) {
        var settings = object("auth_type", "hmac", "name", "CRM", "webhook_url", url());
        settings.setAll(object(extraKeysAndValues));
        var response = client.post("/v1/workspace/webhooks", object("settings", settings));
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json();
    }

    private JsonNode list() {
        return client.get("/v1/workspace/webhooks").json().get("webhooks");
    }

    private static void assertViolation(HttpResult response, String... loc) {
        assertThat(response.status()).as(response.toString()).isEqualTo(422);
        var locs = response.json().get("detail").findValues("loc").stream()
                .map(JsonNode::toString)
                .toList();
        var expected = new StringBuilder("[");
        for (int i = 0; i < loc.length; i++) {
            expected.append(i == 0 ? "" : ",").append(loc[i].matches("\\d+") ? loc[i] : "\"" + loc[i] + "\"");
        }
        assertThat(locs).contains(expected.append("]").toString());
    }

    @Test
    void create_returns_the_secret_once_and_list_shows_the_webhook_without_it() {
        var created = create("request_headers", object("X-Team", "calls"), "event_types", array("batch.*"));
        var id = created.get("webhook_id").asText();
        var secret = created.get("webhook_secret").asText();

        assertThat(secret).startsWith("whsec_");
        assertThat(java.util.Base64.getDecoder().decode(secret.substring(6))).hasSize(32);
        var listed = client.get("/v1/workspace/webhooks");
        assertThat(listed.body()).doesNotContain(secret.substring(6));
        var webhook = listed.json().get("webhooks").get(0);
        assertThat(webhook.get("webhook_id").asText()).isEqualTo(id);
        assertThat(webhook.get("name").asText()).isEqualTo("CRM");
        assertThat(webhook.get("webhook_url").asText()).isEqualTo(url());
        assertThat(webhook.get("auth_type").asText()).isEqualTo("hmac");
        assertThat(webhook.get("is_disabled").asBoolean()).isFalse();
        assertThat(webhook.get("is_auto_disabled").asBoolean()).isFalse();
        assertThat(webhook.get("created_at_unix").asLong()).isPositive();
        assertThat(webhook.get("event_types")).isEqualTo(array("batch.*"));
        assertThat(webhook.get("retry_enabled").asBoolean()).isTrue();
        assertThat(webhook.get("request_headers")).isEqualTo(object("X-Team", "calls"));
        var stored = fixtures.execute(
                "UPDATE webhook_endpoints SET name = name WHERE id = :id AND position("
                        + "CAST(:secret AS bytea) IN secret) = 0",
                Map.of("id", id, "secret", secret));
        assertThat(stored).as("the secret is sealed at rest").isEqualTo(1);
    }

    @Test
    void create_refuses_bad_input_with_every_violation_and_stores_nothing() {
        assertViolation(client.post("/v1/workspace/webhooks", object()), "body", "settings");
        assertViolation(
                client.post(
                        "/v1/workspace/webhooks",
                        object("settings", object("auth_type", "oauth2", "name", "x", "webhook_url", url()))),
                "body",
                "settings",
                "auth_type");
        var many = client.post(
                "/v1/workspace/webhooks",
                object(
                        "settings",
                        object().field("auth_type", "hmac")
                                .field("name", " ")
                                .field("webhook_url", "ftp://example.com/x")
                                .field("request_headers", object("webhook-id", "x", "A", 1))
                                .field("event_types", array("batch.*", "nonsense"))
                                .field("retry_enabled", "yes")));
        assertViolation(many, "body", "settings", "name");
        assertViolation(many, "body", "settings", "webhook_url");
        assertViolation(many, "body", "settings", "request_headers", "webhook-id");
        assertViolation(many, "body", "settings", "request_headers", "A");
        assertViolation(many, "body", "settings", "event_types", "1");
        assertViolation(many, "body", "settings", "retry_enabled");
        assertViolation(
                client.post(
                        "/v1/workspace/webhooks",
                        object(
                                "settings",
                                object(
                                        "auth_type",
                                        "hmac",
                                        "name",
                                        "m",
                                        "webhook_url",
                                        "http://169.254.169.254/latest"))),
                "body",
                "settings",
                "webhook_url");
        // Raw on purpose: a body that is not JSON at all.
        assertThat(client.post("/v1/workspace/webhooks", "{").status()).isEqualTo(422);
        assertThat(list()).isEmpty();
    }

    @Test
    void patch_renames_disables_and_resubscribes_and_refuses_what_it_cannot_do() {
        var id = create().get("webhook_id").asText();
        var ok = client.patch(
                "/v1/workspace/webhooks/" + id,
                object().field("is_disabled", true)
                        .field("name", "Renamed")
                        .field("retry_enabled", false)
                        .field("event_types", array("recipient.*"))
                        .field("request_headers", object("X-A", "b")));
        assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
        assertThat(ok.json()).isEqualTo(object("status", "ok"));
        var webhook = list().get(0);
        assertThat(webhook.get("name").asText()).isEqualTo("Renamed");
        assertThat(webhook.get("is_disabled").asBoolean()).isTrue();
        assertThat(webhook.get("retry_enabled").asBoolean()).isFalse();
        assertThat(webhook.get("event_types")).isEqualTo(array("recipient.*"));

        assertViolation(client.patch("/v1/workspace/webhooks/" + id, object("name", "x")), "body", "is_disabled");
        assertViolation(client.patch("/v1/workspace/webhooks/" + id, object("is_disabled", false)), "body", "name");
        assertViolation(
                client.patch(
                        "/v1/workspace/webhooks/" + id,
                        object("is_disabled", false, "name", "x", "events", array("speech_to_text"))),
                "body",
                "events",
                "0");
        assertThat(client.patch("/v1/workspace/webhooks/whk_nope", object("is_disabled", false, "name", "x"))
                        .status())
                .isEqualTo(404);
        assertThat(list().get(0).get("name").asText()).isEqualTo("Renamed");
    }

    @Test
    void delete_removes_the_webhook_and_a_second_delete_is_404() {
        var id = create().get("webhook_id").asText();
        var deleted = client.delete("/v1/workspace/webhooks/" + id);
        assertThat(deleted.status()).isEqualTo(200);
        assertThat(deleted.json()).isEqualTo(object("status", "ok"));
        assertThat(list()).isEmpty();
        assertThat(client.delete("/v1/workspace/webhooks/" + id).status()).isEqualTo(404);
    }

    @Test
    void another_workspace_cannot_see_or_touch_a_webhook() {
        var id = create().get("webhook_id").asText();
        var other = server.client(server.newWorkspaceKey("other " + System.nanoTime()));
        assertThat(other.get("/v1/workspace/webhooks").json().get("webhooks")).isEmpty();
        assertThat(other.delete("/v1/workspace/webhooks/" + id).status()).isEqualTo(404);
        assertThat(other.postEmpty("/v1/workspace/webhooks/" + id + "/test").status())
                .isEqualTo(404);
        assertThat(other.get("/v1/workspace/webhooks/" + id + "/deliveries").status())
                .isEqualTo(404);
    }

    @Test
    void convai_settings_name_the_post_call_webhook_and_keep_other_fields() {
        var defaults = client.get("/v1/convai/settings").json();
        assertThat(defaults.get("webhooks").get("post_call_webhook_id").isNull())
                .isTrue();
        assertThat(defaults.get("webhooks").get("events")).isEmpty();
        assertThat(defaults.get("rag_retention_period_days").asInt()).isEqualTo(10);

        var id = create().get("webhook_id").asText();
        var patched = client.patch(
                "/v1/convai/settings",
                object(
                        "webhooks",
                        object("post_call_webhook_id", id, "events", array("transcript")),
                        "rag_retention_period_days",
                        20));
        assertThat(patched.status()).as(patched.toString()).isEqualTo(200);
        var got = client.get("/v1/convai/settings").json();
        assertThat(got.get("webhooks").get("post_call_webhook_id").asText()).isEqualTo(id);
        assertThat(got.get("webhooks").get("events")).isEqualTo(array("transcript"));
        assertThat(got.get("rag_retention_period_days").asInt()).isEqualTo(20);
        var usage = client.get("/v1/workspace/webhooks?include_usages=true")
                .json()
                .get("webhooks")
                .get(0)
                .get("usage");
        assertThat(usage).isEqualTo(array(object("usage_type", "ConvAI Settings")));

        assertViolation(
                client.patch("/v1/convai/settings", object("webhooks", object("post_call_webhook_id", "whk_none"))),
                "body",
                "webhooks",
                "post_call_webhook_id");
        assertViolation(
                client.patch("/v1/convai/settings", object("webhooks", object("events", array("audio", "bogus")))),
                "body",
                "webhooks",
                "events",
                "0");
        assertViolation(
                client.patch("/v1/convai/settings", object("rag_retention_period_days", 31)),
                "body",
                "rag_retention_period_days");
        assertThat(client.get("/v1/convai/settings").json()).isEqualTo(got);

        client.delete("/v1/workspace/webhooks/" + id);
        assertThat(client.get("/v1/convai/settings")
                        .json()
                        .get("webhooks")
                        .get("post_call_webhook_id")
                        .isNull())
                .isTrue();
    }

    @Test
    void test_sends_a_signed_webhook_test_event_and_answers_the_attempt_which_the_log_keeps() {
        var id = create().get("webhook_id").asText();
        var tested = client.postEmpty("/v1/workspace/webhooks/" + id + "/test");
        assertThat(tested.status()).as(tested.toString()).isEqualTo(200);
        var attempt = tested.json();
        assertThat(attempt.get("succeeded").asBoolean()).isTrue();
        assertThat(attempt.get("status_code").asInt()).isEqualTo(200);
        assertThat(attempt.get("response_excerpt").asText()).isEqualTo("thanks");
        var eventId = attempt.get("event_id").asText();
        assertThat(received).anySatisfy(r -> {
            assertThat(r.get("id")).isEqualTo(eventId);
            assertThat(r.get("type")).isEqualTo("webhook.test");
        });

        answer.set(500);
        var failed = client.postEmpty("/v1/workspace/webhooks/" + id + "/test").json();
        assertThat(failed.get("succeeded").asBoolean()).isFalse();
        assertThat(failed.get("status_code").asInt()).isEqualTo(500);

        var log = client.get("/v1/workspace/webhooks/" + id + "/deliveries").json();
        assertThat(log.get("deliveries"))
                .extracting(d -> d.get("state").asText())
                .containsExactly("failed", "succeeded");
        var detail = client.get("/v1/workspace/webhooks/" + id + "/deliveries/" + eventId)
                .json();
        assertThat(detail.get("delivery").get("state").asText()).isEqualTo("succeeded");
        assertThat(detail.get("attempts")).hasSize(1);
        assertThat(detail.get("attempts").get(0).get("status_code").asInt()).isEqualTo(200);
        assertThat(detail.get("event").get("type").asText()).isEqualTo("webhook.test");
        assertThat(client.get("/v1/workspace/webhooks/" + id + "/deliveries/evt_none")
                        .status())
                .isEqualTo(404);
        assertThat(client.postEmpty("/v1/workspace/webhooks/whk_none/test").status())
                .isEqualTo(404);
        assertViolation(client.get("/v1/workspace/webhooks/" + id + "/deliveries?state=lost"), "query", "state");
        assertViolation(client.get("/v1/workspace/webhooks/" + id + "/deliveries?page_size=0"), "query", "page_size");
    }

    @Test
    void batch_events_reach_a_subscribed_webhook_and_the_feed_replay_and_retry_serve_them() {
        var id = create("event_types", array("batch.*", "recipient.*"))
                .get("webhook_id")
                .asText();
        var agent = fixtures.agent(key, "Agent");
        fixtures.phoneNumber(key, agent);
        var batch = client.post(
                        "/v1/convai/batch-calling/submit",
                        object().field("call_name", "W")
                                .field("agent_id", agent)
                                .field(
                                        "recipients",
                                        array(object().field("id", "r1")
                                                .field("phone_number", "+14155550001")
                                                .field(
                                                        "conversation_initiation_client_data",
                                                        object(
                                                                "dynamic_variables",
                                                                object("sim_outcome", "completed"))))))
                .json()
                .get("id")
                .asText();
        Await.until(
                Duration.ofSeconds(20),
                "the batch completes",
                () -> client.batchStatus(batch).equals("completed"));
        var feed = client.get("/v1/workspace/webhook-events?batch_call_id=" + batch + "&page_size=100")
                .json();
        var events = java.util.stream.StreamSupport.stream(feed.get("events").spliterator(), false)
                .toList();
        var types = events.stream().map(e -> e.get("type").asText()).toList();
        assertThat(types.getFirst()).isEqualTo("batch.created");
        assertThat(types.getLast()).isEqualTo("batch.completed");
        // Only what this webhook subscribes to (a failed dial would also write call_initiation_failure).
        var eventIds = events.stream()
                .filter(e -> e.get("type").asText().startsWith("batch.")
                        || e.get("type").asText().startsWith("recipient."))
                .map(e -> e.get("event_id").asText())
                .toList();
        assertThat(events)
                .allSatisfy(e -> assertThat(e.get("event").get("event_id").asText())
                        .isEqualTo(e.get("event_id").asText()));
        try {
            Await.until(
                    Duration.ofSeconds(20),
                    "every event is delivered",
                    () -> eventIds.stream()
                            .allMatch(e ->
                                    received.stream().anyMatch(r -> r.get("id").equals(e))));
        } catch (AssertionError e) {
            throw new AssertionError(
                    e.getMessage() + ": "
                            + client.get("/v1/workspace/webhooks/" + id + "/deliveries?page_size=100")
                                    .body() + " / " + list(),
                    e);
        }

        var firstPage = client.get("/v1/workspace/webhook-events?batch_call_id=" + batch + "&page_size=2")
                .json();
        assertThat(firstPage.get("has_more").asBoolean()).isTrue();
        var next = client.get("/v1/workspace/webhook-events?batch_call_id=" + batch + "&page_size=2&cursor="
                        + firstPage.get("next_cursor").asText())
                .json();
        assertThat(next.get("events").get(0).get("event_id").asText()).isEqualTo(eventIds.get(2));
        var recipientOnly = client.get("/v1/workspace/webhook-events?type=recipient.*&batch_call_id=" + batch)
                .json();
        assertThat(recipientOnly.get("events"))
                .isNotEmpty()
                .allSatisfy(e -> assertThat(e.get("type").asText()).startsWith("recipient."));
        assertViolation(client.get("/v1/workspace/webhook-events?type=nope"), "query", "type");
        assertViolation(client.get("/v1/workspace/webhook-events?cursor=12"), "query", "cursor");
        assertViolation(client.get("/v1/workspace/webhook-events?cursor=-1-5"), "query", "cursor");
        assertViolation(client.get("/v1/workspace/webhook-events?after_seq=3"), "query", "after_seq");

        int before = received.size();
        var replayed = client.post(
                "/v1/workspace/webhooks/" + id + "/replay", object("since_unix", 0, "batch_call_id", batch));
        assertThat(replayed.status()).as(replayed.toString()).isEqualTo(200);
        assertThat(replayed.json().get("queued").asInt()).isEqualTo(eventIds.size());
        Await.until(
                Duration.ofSeconds(20), "the replay is delivered", () -> received.size() >= before + eventIds.size());
        assertThat(received.subList(before, before + eventIds.size()))
                .extracting(r -> r.get("id"))
                .containsExactlyInAnyOrderElementsOf(eventIds);
        assertViolation(
                client.post("/v1/workspace/webhooks/" + id + "/replay", object("until_unix", 1)), "body", "since_unix");

        var retried =
                client.postEmpty("/v1/workspace/webhooks/" + id + "/deliveries/" + eventIds.getFirst() + "/retry");
        assertThat(retried.status()).as(retried.toString()).isEqualTo(200);
        assertThat(client.postEmpty("/v1/workspace/webhooks/" + id + "/deliveries/evt_none/retry")
                        .status())
                .isEqualTo(404);
    }

    @Test
    void rotate_secret_returns_a_new_secret_and_complete_ends_the_grace_period() {
        var created = create();
        var id = created.get("webhook_id").asText();
        var rotated = client.postEmpty("/v1/workspace/webhooks/" + id + "/rotate-secret");
        assertThat(rotated.status()).isEqualTo(200);
        var secret = rotated.json().get("webhook_secret").asText();
        assertThat(secret)
                .startsWith("whsec_")
                .isNotEqualTo(created.get("webhook_secret").asText());
        assertThat(list().get(0).get("previous_secret_expires_at_unix").asLong())
                .isEqualTo(rotated.json().get("previous_secret_expires_at_unix").asLong());
        assertThat(client.postEmpty("/v1/workspace/webhooks/" + id + "/rotate-secret/complete")
                        .status())
                .isEqualTo(200);
        assertThat(list().get(0).get("previous_secret_expires_at_unix").isNull())
                .isTrue();
        assertThat(client.postEmpty("/v1/workspace/webhooks/whk_none/rotate-secret")
                        .status())
                .isEqualTo(404);
    }
}
