package io.batchcall.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.batchcall.support.ApiClient;
import io.batchcall.support.Await;
import io.batchcall.support.JarNode;
import io.batchcall.support.TestDatabase;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/**
 * Two jar processes on one database deliver a batch's webhooks; the node holding deliveries in flight is killed with
 * SIGKILL while its requests are at the receiver. No event may be lost, and every duplicate must carry the same
 * webhook-id and the same body.
 */
class WebhookKillIT {
    private static final String KEY = "bc_webhook_kill_test_key_00001";
    private static final int RECIPIENTS = 20;

    private record Received(String id, String body) {}

    private static Map<String, String> env(String databaseUrl, String nodeId) {
        var env = JarNode.clusterEnv(databaseUrl, nodeId, KEY);
        env.put("BATCHCALL_ALLOW_PRIVATE_NETWORKS", "true");
        // Longer than the receiver holds requests: a timeout there would count as failures, and ten of them without
        // a success disable the webhook (ElevenLabs' rule), which is not what this test is about.
        env.put("BATCHCALL_WEBHOOK_TIMEOUT_SECS", "20");
        env.put("BATCHCALL_WEBHOOK_POLL_MS", "200");
        return env;
    }

    @Test
    void killing_the_node_that_is_sending_loses_no_event_and_duplicates_carry_the_same_id_and_body() throws Exception {
        var databaseUrl = TestDatabase.freshDatabaseUrl();
        var received = new CopyOnWriteArrayList<Received>();
        var release = new CountDownLatch(1);
        var receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        receiver.createContext("/", exchange -> {
            received.add(new Received(
                    exchange.getRequestHeaders().getFirst("webhook-id"),
                    new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            try {
                // Held until the test has killed a node, so that its requests are at the receiver when it dies.
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.start();
        var jdbi = Jdbi.create(databaseUrl, "postgres", "");
        try (var nodeA = JarNode.start(env(databaseUrl, "node-a"), Duration.ofSeconds(60));
                var nodeB = JarNode.start(env(databaseUrl, "node-b"), Duration.ofSeconds(60))) {
            var viaA = ApiClient.withKey(nodeA.port(), KEY);
            var viaB = ApiClient.withKey(nodeB.port(), KEY);
            var webhook = viaA.post(
                            "/v1/workspace/webhooks",
                            "{\"settings\":{\"auth_type\":\"hmac\",\"name\":\"kill\","
                                    + "\"webhook_url\":\"http://127.0.0.1:"
                                    + receiver.getAddress().getPort() + "/hook\","
                                    + "\"event_types\":[\"*\"]}}")
                    .json()
                    .get("webhook_id")
                    .asText();
            var agent = viaA.post("/v1/convai/agents/create", "{\"name\":\"Kill\"}")
                    .json()
                    .get("agent_id")
                    .asText();
            var number = viaA.post(
                            "/v1/convai/phone-numbers",
                            "{\"provider\":\"simulator\",\"phone_number\":"
                                    + "\"+14155550100\",\"label\":\"sim\",\"agent_id\":\"" + agent + "\"}")
                    .json()
                    .get("phone_number_id")
                    .asText();
            var recipients = new StringBuilder();
            for (int i = 0; i < RECIPIENTS; i++) {
                recipients
                        .append(i == 0 ? "" : ",")
                        .append("{\"phone_number\":\"+1415555%04d\",".formatted(i))
                        .append("\"conversation_initiation_client_data\":{\"dynamic_variables\":{\"sim_outcome\":")
                        .append(i % 4 == 0 ? "\"busy\"" : "\"completed\"")
                        .append(",\"sim_ring_ms\":20,\"sim_talk_ms\":50}}}");
            }
            var batchId = viaB.post(
                            "/v1/convai/batch-calling/submit",
                            "{\"call_name\":\"kill\",\"agent_id\":\""
                                    + agent + "\",\"agent_phone_number_id\":\"" + number + "\",\"recipients\":["
                                    + recipients
                                    + "]}")
                    .json()
                    .get("id")
                    .asText();
            Await.until(
                    Duration.ofSeconds(60),
                    "the batch to complete",
                    () -> viaB.batchStatus(batchId).equals("completed"));
            Await.until(Duration.ofSeconds(30), "deliveries in flight at the receiver", () -> received.size() >= 5);

            var leases = jdbi.withHandle(h -> h.createQuery("""
                            SELECT lease_owner, count(*) AS n FROM webhook_deliveries
                            WHERE state = 'in_flight' GROUP BY lease_owner""")
                    .map((rs, ctx) -> Map.entry(rs.getString("lease_owner"), rs.getInt("n")))
                    .list());
            var victim = leases.stream()
                    .max(Map.Entry.comparingByValue())
                    .orElseThrow()
                    .getKey();
            var survivor = victim.equals("node-a") ? viaB : viaA;
            (victim.equals("node-a") ? nodeA : nodeB).kill();
            int atKill = received.size();
            release.countDown();

            var events = feed(survivor);
            assertThat(events.size()).isGreaterThan(RECIPIENTS * 3);
            Await.until(
                    Duration.ofSeconds(120),
                    "every event delivered and recorded",
                    () -> events.stream().allMatch(e -> received.stream().anyMatch(r -> r.id().equals(e)))
                            && openDeliveries(jdbi, webhook) == 0);
            assertThat(survivor.get("/v1/workspace/webhooks/" + webhook + "/deliveries?state=failed")
                            .json()
                            .get("deliveries"))
                    .isEmpty();

            var byId = received.stream().collect(Collectors.groupingBy(Received::id));
            var duplicates =
                    byId.values().stream().filter(copies -> copies.size() > 1).toList();
            assertThat(events).allSatisfy(id -> assertThat(byId).containsKey(id));
            assertThat(duplicates)
                    .as("the killed node's requests are sent again by the survivor")
                    .isNotEmpty();
            assertThat(duplicates)
                    .allSatisfy(copies -> assertThat(copies)
                            .extracting(Received::body)
                            .containsOnly(copies.getFirst().body()));
            var reaped = jdbi.withHandle(h ->
                    h.createQuery("""
                            SELECT count(*) FROM webhook_attempts WHERE error_class = 'lease_expired' AND node_id = :n""").bind("n", victim).mapTo(Integer.class).one());
            assertThat(reaped).isPositive();
            System.out.printf(
                    "webhook kill test: events=%d requests=%d held at kill=%d duplicated ids=%d"
                            + " victim=%s reaped=%d%n",
                    events.size(), received.size(), atKill, duplicates.size(), victim, reaped);
        } finally {
            release.countDown();
            receiver.stop(0);
        }
    }

    /** Deliveries of the webhook not yet succeeded. */
    private static int openDeliveries(Jdbi jdbi, String webhook) {
        return jdbi.withHandle(h -> h.createQuery(
                        "SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = :w AND state <> 'succeeded'")
                .bind("w", webhook)
                .mapTo(Integer.class)
                .one());
    }

    /** Every event id of the workspace, through the pull feed, page by page. */
    private static List<String> feed(ApiClient client) {
        var ids = new ArrayList<String>();
        String cursor = "";
        while (true) {
            var page = client.get("/v1/workspace/webhook-events?page_size=100" + cursor)
                    .json();
            page.get("events").forEach(e -> ids.add(e.get("event_id").asText()));
            cursor = "&cursor=" + page.get("next_cursor").asText();
            if (!page.get("has_more").asBoolean()) {
                return ids;
            }
        }
    }
}
