package io.batchcall.api;

import com.sun.management.GarbageCollectionNotificationInfo;
import io.batchcall.support.Fixtures;
import io.batchcall.support.TestServer;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * Not a test: a measurement, run by hand (see README, "Text at the door and request bodies"). Sends 10 submits
 * of about 20 MB at once (10,000 recipients each, with fat client data) to a server in this JVM and prints the
 * peak heap: sampled every 5 ms (garbage included), and the largest heap left after a collection (what was live).
 * Run with a fixed -Xmx so that runs compare.
 */
public final class SubmitHeapHarness {
    private static final int SUBMITS = 10;
    private static final int RECIPIENTS = 10_000;

    private SubmitHeapHarness() {}

    public static void main(String[] args) throws Exception {
        try (var server = TestServer.start()) {
            var fixtures = new Fixtures(server);
            var agentId = fixtures.agent(TestServer.API_KEY, "Heap agent");
            fixtures.phoneNumber(TestServer.API_KEY, agentId);
            var body = body(agentId);
            System.out.printf("body bytes=%,d%n", body.length);

            var peakSampled = new AtomicLong();
            var peakAfterGc = new AtomicLong();
            watchCollections(peakAfterGc);
            System.gc();
            var sampler = Thread.ofPlatform().daemon().start(() -> {
                var memory = ManagementFactory.getMemoryMXBean();
                while (!Thread.currentThread().isInterrupted()) {
                    peakSampled.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            long baseline =
                    ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            var http = HttpClient.newHttpClient();
            long started = System.nanoTime();
            var answers = new ArrayList<CompletableFuture<HttpResponse<String>>>();
            for (int i = 0; i < SUBMITS; i++) {
                answers.add(http.sendAsync(
                        HttpRequest.newBuilder(URI.create(
                                        "http://127.0.0.1:" + server.port() + "/v1/convai/batch-calling/submit"))
                                .timeout(Duration.ofMinutes(5))
                                .header("xi-api-key", TestServer.API_KEY)
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            var statuses = new TreeMap<Integer, Integer>();
            for (var answer : answers) {
                statuses.merge(answer.join().statusCode(), 1, Integer::sum);
            }
            long millis = (System.nanoTime() - started) / 1_000_000;
            sampler.interrupt();
            System.out.printf(
                    "statuses=%s elapsedMs=%d maxHeapMb=%d baselineMb=%d peakSampledMb=%d" + " peakAfterGcMb=%d%n",
                    statuses,
                    millis,
                    Runtime.getRuntime().maxMemory() >> 20,
                    baseline >> 20,
                    peakSampled.get() >> 20,
                    peakAfterGc.get() >> 20);
        }
        // A thread of the SIP stack outlives the server's close in this setting; the numbers are printed.
        System.exit(0);
    }

    /** Records the heap used after each collection: the high-water mark of what requests kept alive. */
    private static void watchCollections(AtomicLong peakAfterGc) {
        for (var collector : ManagementFactory.getGarbageCollectorMXBeans()) {
            ((NotificationEmitter) collector)
                    .addNotificationListener(
                            (notification, handback) -> {
                                if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(
                                        notification.getType())) {
                                    var info = GarbageCollectionNotificationInfo.from(
                                            (CompositeData) notification.getUserData());
                                    long used = info.getGcInfo().getMemoryUsageAfterGc().values().stream()
                                            .mapToLong(m -> m.getUsed())
                                            .sum();
                                    peakAfterGc.accumulateAndGet(used, Math::max);
                                }
                            },
                            null,
                            null);
        }
    }

    /** About 20 MB: 10,000 recipients, each with 16 dynamic variables of ~100 characters and an override. */
    private static byte[] body(String agentId) {
        var json = new StringBuilder(21 * 1024 * 1024);
        json.append("{\"call_name\":\"Heap\",\"agent_id\":\"")
                .append(agentId)
                .append("\",\"scheduled_time_unix\":")
                .append(System.currentTimeMillis() / 1000 + 86_400)
                .append(",\"recipients\":[");
        var filler = "x".repeat(100);
        for (int i = 0; i < RECIPIENTS; i++) {
            if (i > 0) {
                json.append(',');
            }
            json.append("{\"phone_number\":\"+1415555")
                    .append(String.format("%04d", i))
                    .append("\",\"conversation_initiation_client_data\":{\"dynamic_variables\":{");
            for (int v = 0; v < 16; v++) {
                json.append(v == 0 ? "" : ",")
                        .append("\"var_")
                        .append(v)
                        .append("\":\"")
                        .append(filler)
                        .append(i)
                        .append('"');
            }
            json.append("},\"conversation_config_override\":{\"agent\":{\"first_message\":\"")
                    .append("Hello there, this is a long first message for recipient ".repeat(4))
                    .append(i)
                    .append("\",\"language\":\"en\"}}}}");
        }
        json.append("]}");
        return json.toString().getBytes(StandardCharsets.UTF_8);
    }
}
