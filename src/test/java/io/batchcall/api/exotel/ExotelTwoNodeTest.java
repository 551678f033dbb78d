package io.batchcall.api.exotel;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.Await;
import io.batchcall.support.FakeExotel;
import io.batchcall.support.Fixtures;
import io.batchcall.support.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two nodes on one database calling 50 recipients from two numbers of one Exotel account, with WireMock as Exotel
 * firing its own status callbacks: no recipient is dialed twice, and the account's request pace holds across both
 * numbers and both nodes together.
 */
class ExotelTwoNodeTest {
    private static final Logger log = LoggerFactory.getLogger(ExotelTwoNodeTest.class);
    /** 600 a minute is 10 a second: the scaled-down limit this test holds the two nodes to. */
    private static final int REQUESTS_PER_MINUTE = 600;
    /**
     * Requests a loaded test machine may bunch into one window on arrival (a request sent late lands beside the
     * next ones); production's 10% headroom under Exotel's 200 a minute absorbs seconds of such delay.
     */
    private static final int JITTER_ALLOWANCE = 2;

    private static final Duration WINDOW = Duration.ofSeconds(2);

    private FakeExotel exotel;
    private TestServer first;
    private TestServer second;

    @BeforeEach
    void start() {
        exotel = new FakeExotel();
        exotel.completeCalls("completed");
        // Exotel's callbacks go to the public URL, which is the first node's real address here.
        int port = freePort();
        var env = Map.of(
                "BATCHCALL_EXOTEL_API_BASE",
                exotel.baseUrl(),
                "BATCHCALL_PUBLIC_URL",
                "http://127.0.0.1:" + port,
                "BATCHCALL_EXOTEL_REQUESTS_PER_MINUTE",
                Integer.toString(REQUESTS_PER_MINUTE),
                "BATCHCALL_NODE_ID",
                "node-a",
                "BATCHCALL_PORT",
                Integer.toString(port),
                // One key for both nodes: each opens the numbers' credentials and checks callback tokens with it.
                "BATCHCALL_SECRET_KEY",
                java.util.Base64.getEncoder().encodeToString(new byte[32]));
        first = TestServer.start(env, List.of());
        var secondEnv = new java.util.HashMap<>(env);
        secondEnv.put("BATCHCALL_NODE_ID", "node-b");
        secondEnv.put("BATCHCALL_PORT", "0");
        second = TestServer.startOn(first.databaseUrl(), secondEnv, List.of());
    }

    @AfterEach
    void stop() {
        second.close();
        first.close();
        exotel.close();
    }

    private static int freePort() {
        try (var socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String created(TestServer node, String path, String body, String field) {
        var response = node.client().post(path, body);
        assertThat(response.json().has(field)).as(response.toString()).isTrue();
        return response.json().get(field).asText();
    }

    /** An Exotel number of the one account, allowed far more calls a second than the account's pace. */
    private String number(String phoneNumber) {
        return created(
                first,
                "/v1/convai/phone-numbers",
                "{\"provider\":\"exotel\",\"phone_number\":\""
                        + phoneNumber + "\",\"label\":\"Exotel\",\"account_sid\":\"" + FakeExotel.ACCOUNT
                        + "\",\"api_key\":\""
                        + FakeExotel.API_KEY + "\",\"api_token\":\"" + FakeExotel.API_TOKEN + "\",\"api_subdomain\":"
                        + "\"api.in.exotel.com\",\"app_id\":\"4242\",\"cps\":50}",
                "phone_number_id");
    }

    private String submit(TestServer node, String agent, String number, List<String> recipients) {
        var body =
                recipients.stream().map(n -> "{\"phone_number\":\"" + n + "\"}").collect(Collectors.joining(","));
        return created(
                node,
                "/v1/convai/batch-calling/submit",
                "{\"call_name\":\"Exotel\",\"agent_id\":\"" + agent + "\",\"agent_phone_number_id\":\"" + number
                        + "\",\"recipients\":[" + body + "]}",
                "id");
    }

    private String status(String batch) {
        return first.client()
                .get("/v1/convai/batch-calling/" + batch)
                .json()
                .get("status")
                .asText();
    }

    @Test
    void fifty_recipients_on_two_nodes_and_two_numbers_are_each_dialed_once_within_the_accounts_request_pace() {
        var agent = created(first, "/v1/convai/agents/create", "{\"name\":\"Caller\"}", "agent_id");
        var numberA = number("+918047112233");
        var numberB = number("+918047112244");
        // A JVM's first HTTP request loads the client's classes and is sent some 200 ms after its slot, bunching
        // with the next ones on arrival. Both nodes share this test's JVM: one small batch warms them both, once,
        // as it would a server's process; the pace is then measured in steady state.
        var warmUp = submit(first, agent, numberA, List.of("+919876599998", "+919876599999"));
        Await.until(
                Duration.ofSeconds(30),
                "the warm-up batch completes",
                () -> status(warmUp).equals("completed"));
        exotel.forgetRequests();
        var recipients = IntStream.range(0, 50)
                .mapToObj(i -> "+91987650%04d".formatted(i))
                .toList();
        var batchA = submit(first, agent, numberA, recipients.subList(0, 25));
        var batchB = submit(second, agent, numberB, recipients.subList(25, 50));

        Await.until(
                Duration.ofSeconds(60),
                "both batches complete",
                () -> status(batchA).equals("completed") && status(batchB).equals("completed"));

        var connects = exotel.connects();
        assertThat(connects).hasSize(50);
        assertThat(connects.stream().map(c -> c.field("From")).distinct())
                .hasSize(50)
                .containsExactlyInAnyOrderElementsOf(recipients);
        assertThat(connects.stream().map(c -> c.field("CallerId")).distinct())
                .containsExactlyInAnyOrder("+918047112233", "+918047112244");
        var fixtures = new Fixtures(first);
        assertThat(fixtures.queryList(
                        "SELECT DISTINCT node_id FROM attempts WHERE batch_id IN (:a, :b)",
                        Map.of("a", batchA, "b", batchB),
                        String.class))
                .containsExactlyInAnyOrder("node-a", "node-b");
        assertThat(fixtures.queryOne(
                        "SELECT count(*) FROM attempts WHERE batch_id IN (:a, :b)" + " AND outcome = 'completed'",
                        Map.of("a", batchA, "b", batchB),
                        Integer.class))
                .isEqualTo(50);

        // Requests leave in slots the database hands out at most 10 a second for the account (strictly: see
        // ProviderRequestBudgetsTest); on arrival a request this loaded machine delayed may bunch with the next
        // ones, so arrivals are counted over two scaled minutes (two seconds), which may show up to
        // JITTER_ALLOWANCE more than 20. Without the account's pace, the two numbers (50 calls a second each) would
        // send all 50 within the first second.
        var arrivals = exotel.requests().stream().map(FakeExotel.Sent::at).toList();
        int busiest = 0;
        for (int i = 0; i < arrivals.size(); i++) {
            var end = arrivals.get(i).plus(WINDOW);
            int inWindow = (int)
                    arrivals.stream().skip(i).takeWhile(at -> at.isBefore(end)).count();
            busiest = Math.max(busiest, inWindow);
        }
        var total = Duration.between(arrivals.getFirst(), arrivals.getLast());
        log.info(
                "Exotel pace measured requests={} spanMillis={} perMinute={} busiestTwoSeconds={} arrivalsMillis={}",
                arrivals.size(),
                total.toMillis(),
                (arrivals.size() - 1) * 60_000L / Math.max(1, total.toMillis()),
                busiest,
                arrivals.stream()
                        .map(at -> Long.toString(
                                Duration.between(arrivals.getFirst(), at).toMillis()))
                        .collect(Collectors.joining(",")));
        assertThat(busiest)
                .as("requests in the busiest two seconds")
                .isLessThanOrEqualTo((int) (REQUESTS_PER_MINUTE / 60 * WINDOW.toSeconds()) + JITTER_ALLOWANCE);
    }
}
