package io.batchcall.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.Await;
import io.batchcall.support.Fixtures;
import io.batchcall.support.TestServer;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/**
 * Floods of invented API keys must not take the database connections that the dispatcher and real clients
 * need. The floods come from 127.0.0.2 and up, so that each flooding address has its own budget and the valid
 * client on 127.0.0.1 its own.
 */
class KeyFloodTest {
    private static final String WORKSPACE = "/v1/convai/batch-calling/workspace";

    @Test
    void a_flood_of_invalid_keys_costs_few_lookups_and_stalls_neither_a_batch_nor_a_valid_key() throws Exception {
        try (var server = TestServer.start(
                Map.of("BATCHCALL_RATE_LIMIT_UNKNOWN_KEYS", "1", "BATCHCALL_RATE_LIMIT_UNKNOWN_KEYS_BURST", "10"),
                List.of())) {
            var agent = simulatorAgent(server);
            var lookupsBefore = server.metric("batchcall_api_key_lookups_total");
            try (var flood = new Flood(server, 16, 2)) {
                Await.until(Duration.ofSeconds(60), "the flood to pass 2,000 requests", () -> flood.sent() >= 2_000);
                var batch = submit(server, agent, 20);
                var slowest = Duration.ZERO;
                long started = System.nanoTime();
                while (!server.client().batchStatus(batch).equals("completed")) {
                    assertThat(Duration.ofNanos(System.nanoTime() - started))
                            .as("the batch completes")
                            .isLessThan(Duration.ofSeconds(60));
                    long before = System.nanoTime();
                    assertThat(server.client().get(WORKSPACE).status()).isEqualTo(200);
                    var took = Duration.ofNanos(System.nanoTime() - before);
                    slowest = took.compareTo(slowest) > 0 ? took : slowest;
                }
                var batchTook = Duration.ofNanos(System.nanoTime() - started);
                flood.stop();
                var lookups = server.metric("batchcall_api_key_lookups_total") - lookupsBefore;
                System.out.printf(
                        "flood: %d requests %s, %d key look-ups in the database; batch of 20 completed"
                                + " in %d ms; slowest valid-key answer %d ms%n",
                        flood.sent(), flood.statuses(), (long) lookups, batchTook.toMillis(), slowest.toMillis());
                // Loose bound: the machine running the suite is shared; unflooded, an answer takes milliseconds.
                assertThat(slowest).isLessThan(Duration.ofSeconds(3));
                assertThat(lookups).isLessThan(flood.sent() / 2.0);
            }
        }
    }

    @Test
    void while_key_lookups_hang_in_the_database_only_a_few_hold_connections_and_the_rest_get_429() throws Exception {
        try (var server = TestServer.start(Map.of("BATCHCALL_AUTH_MAX_CONCURRENT_LOOKUPS", "4"), List.of())) {
            var agent = simulatorAgent(server);
            var batch = submit(server, agent, 10);
            var jdbi = Jdbi.create(server.databaseUrl(), "postgres", "");
            try (var lock = jdbi.open()) {
                // A database too slow to answer key look-ups, made certain: every look-up waits on this lock.
                lock.begin();
                lock.execute("LOCK TABLE api_keys IN ACCESS EXCLUSIVE MODE");
                var flood = new Flood(server, 40, 1);
                try {
                    Await.until(
                            Duration.ofSeconds(20),
                            "look-ups beyond the bound to be refused",
                            () -> flood.count(429) >= 30);
                    long stuck = jdbi.withHandle(
                            h -> h.createQuery("""
                                    SELECT count(*) FROM pg_stat_activity
                                    WHERE wait_event_type = 'Lock' AND query LIKE '%api_keys%'""").mapTo(Long.class).one());
                    long before = System.nanoTime();
                    var ready = server.anonymous().get("/ready");
                    var readyTook = Duration.ofNanos(System.nanoTime() - before);
                    Await.until(
                            Duration.ofSeconds(30),
                            "the batch to complete with look-ups stuck",
                            () -> "completed"
                                    .equals(jdbi.withHandle(
                                            h -> h.createQuery("SELECT status FROM batches WHERE id = :id")
                                                    .bind("id", batch)
                                                    .mapTo(String.class)
                                                    .one())));
                    System.out.printf(
                            "stuck look-ups: %d holding connections, %s; /ready in %d ms%n",
                            stuck, flood.statuses(), readyTook.toMillis());
                    assertThat(stuck).isLessThanOrEqualTo(4);
                    assertThat(ready.status()).isEqualTo(200);
                    assertThat(readyTook).isLessThan(Duration.ofSeconds(3));
                } finally {
                    // Released first: the look-ups it holds up end, and the flood's threads with them.
                    lock.rollback();
                    flood.close();
                }
            }
        }
    }

    private static String simulatorAgent(TestServer server) {
        var fixtures = new Fixtures(server);
        var agent = fixtures.agent(TestServer.API_KEY, "Flood");
        fixtures.phoneNumber(TestServer.API_KEY, agent);
        return agent;
    }

    private static String submit(TestServer server, String agent, int size) {
        var recipients = new StringBuilder();
        for (int i = 0; i < size; i++) {
            recipients
                    .append(i == 0 ? "" : ",")
                    .append("{\"phone_number\":\"+1415555")
                    .append(String.format("%04d", i))
                    .append("\"}");
        }
        var submit = server.client()
                .post(
                        "/v1/convai/batch-calling/submit",
                        "{\"call_name\":\"Flooded\"," + "\"agent_id\":\"" + agent + "\",\"recipients\":[" + recipients
                                + "]}");
        assertThat(submit.status()).as(submit.toString()).isEqualTo(200);
        return submit.json().get("id").asText();
    }

    /** Threads sending requests with a new invented key each time, each address from its own loopback IP. */
    private static final class Flood implements AutoCloseable {
        private final AtomicBoolean stopped = new AtomicBoolean();
        private final AtomicInteger sent = new AtomicInteger();
        private final Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        private final List<Thread> threads = new ArrayList<>();

        Flood(TestServer server, int addresses, int threadsPerAddress) throws UnknownHostException {
            var uri = URI.create("http://127.0.0.1:" + server.port() + WORKSPACE);
            for (int a = 0; a < addresses; a++) {
                var client = HttpClient.newBuilder()
                        .localAddress(InetAddress.getByName("127.0.0." + (a + 2)))
                        .connectTimeout(Duration.ofSeconds(5))
                        .build();
                for (int t = 0; t < threadsPerAddress; t++) {
                    var thread = a + "_" + t;
                    threads.add(Thread.ofVirtual().start(() -> {
                        for (int i = 0; !stopped.get(); i++) {
                            var request = HttpRequest.newBuilder(uri)
                                    .timeout(Duration.ofSeconds(60))
                                    .header("xi-api-key", "bc_invented_" + thread + "_" + i + "_0000000000")
                                    .GET()
                                    .build();
                            int status;
                            try {
                                status = client.send(request, HttpResponse.BodyHandlers.discarding())
                                        .statusCode();
                            } catch (Exception e) {
                                status = -1;
                            }
                            statuses.computeIfAbsent(status, s -> new AtomicInteger())
                                    .incrementAndGet();
                            sent.incrementAndGet();
                        }
                    }));
                }
            }
        }

        int sent() {
            return sent.get();
        }

        int count(int status) {
            var count = statuses.get(status);
            return count == null ? 0 : count.get();
        }

        String statuses() {
            return statuses.toString();
        }

        void stop() {
            stopped.set(true);
        }

        @Override
        public void close() {
            stop();
            try {
                for (var thread : threads) {
                    thread.join(Duration.ofSeconds(70));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
