package io.batchcall.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * batchcall's HTTP API as the harness uses it: the admin API to make workspaces, the public API with a
 * workspace's key, and /metrics. Every call is timed from sending the request to the last byte of the response.
 * A status that is not 2xx is a broken run, never a measurement.
 *
 * <p>Blocking, on {@link HttpURLConnection}, because the instrument must cost less than what it measures. The
 * JDK's {@code java.net.http.HttpClient} hands every request and response between its selector thread and
 * CompletableFuture stages, and on 2 cores that shows in every figure: against the same server on loopback, 2,000
 * sequential warm requests each, {@code GET /health} took p50 0.73-1.52 ms / p90 2.1-4.3 ms with it and p50
 * 0.30-0.46 / p90 0.44-0.79 ms blocking (curl: 0.3-0.8 ms); the first page of 100,000 batches p50 3.4-4.0 / p99
 * 12.8-14.1 ms with it and p50 2.4-2.6 / p99 9.3-10.5 blocking, where the target is p99 <= 10 ms. The connection
 * is kept alive by the JDK's keep-alive cache, which takes it back once a response has been read to the end and
 * its stream closed: {@link #send} does both for every status.
 */
final class ApiClient {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** How long a response may keep the harness waiting (between two reads of it: HttpURLConnection's kind). */
    private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(5);
    /**
     * Idle connections the JDK keeps per server (its default is 5). At most two threads use an ApiClient at once (a
     * scenario's own and GetScenario's heap sampler); a connection returned to a full cache is closed, so a
     * scenario that adds threads would silently pay a connect per request: 16 leaves room for that.
     */
    private static final int KEPT_ALIVE_CONNECTIONS = 16;

    static {
        // Read once, when the JDK's keep-alive cache is first loaded; this client is the harness's only user of
        // HttpURLConnection, so setting it here comes first. A value given on the command line wins.
        if (System.getProperty("http.maxConnections") == null) {
            System.setProperty("http.maxConnections", Integer.toString(KEPT_ALIVE_CONNECTIONS));
        }
    }

    private final URI base;
    private final String adminToken;

    ApiClient(URI base, String adminToken) {
        this.base = base;
        this.adminToken = adminToken;
    }

    /** A response and how long it took to arrive in full. */
    record Response(int status, byte[] body, Duration took) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + new String(body, StandardCharsets.UTF_8), e);
            }
        }

        double millis() {
            return took.toNanos() / 1e6;
        }
    }

    /** A response whose status was not 2xx. */
    static final class StatusException extends IllegalStateException {
        private static final long serialVersionUID = 1L;
        final int status;

        StatusException(String message, int status) {
            super(message);
            this.status = status;
        }
    }

    /** A workspace of the harness's own, with an agent and a simulator number that may dial at 10,000 cps. */
    record Workspace(String id, String apiKey, String agentId, String phoneNumberId) {}

    /**
     * Creates a workspace with the given concurrency limit, its agent (no limit of its own: the workspace's
     * applies) and a simulator number assigned to it. Each scenario gets its own, so that no two share a claim.
     */
    Workspace createWorkspace(String name, int concurrencyLimit) {
        var workspace = send(admin("/admin/v1/workspaces").post(body(JSON.createObjectNode()
                .put("name", name).put("concurrency_limit", concurrencyLimit)))).json();
        var key = workspace.get("api_key").asText();
        var agent = send(keyed(key, "/v1/convai/agents/create").post(body(JSON.createObjectNode()
                .put("name", name + " agent")))).json().get("agent_id").asText();
        var number = send(keyed(key, "/v1/convai/phone-numbers").post(body(JSON.createObjectNode()
                .put("provider", "simulator").put("phone_number", "+14155550100").put("label", name)
                .put("agent_id", agent).put("cps", 10_000)))).json().get("phone_number_id").asText();
        return new Workspace(workspace.get("workspace_id").asText(), key, agent, number);
    }

    /**
     * The same workspace under a second API key, issued by the admin API: each key has a request budget of its own
     * (the server's per-key rate limit), so a scenario can send its warm-up under one key and still measure under
     * another whose budget is full.
     */
    Workspace withNewKey(Workspace workspace) {
        var issued = send(admin("/admin/v1/workspaces/" + encode(workspace.id()) + "/api-keys")
                .post(body(JSON.createObjectNode()))).json();
        return new Workspace(workspace.id(), issued.get("api_key").asText(), workspace.agentId(),
                workspace.phoneNumberId());
    }

    Response submit(Workspace workspace, byte[] batch) {
        return send(keyed(workspace.apiKey(), "/v1/convai/batch-calling/submit").post(batch));
    }

    Response getBatch(Workspace workspace, String batchId) {
        return send(keyed(workspace.apiKey(), "/v1/convai/batch-calling/" + batchId));
    }

    Response listBatches(Workspace workspace, int limit, Optional<String> lastDoc) {
        var query = "?limit=" + limit + lastDoc.map(doc -> "&last_doc=" + encode(doc)).orElse("");
        return send(keyed(workspace.apiKey(), "/v1/convai/batch-calling/workspace" + query));
    }

    /** The first page (30) of the workspace's conversations with a query string of filters (may be empty). */
    Response listConversations(Workspace workspace, String query) {
        return send(keyed(workspace.apiKey(), "/v1/convai/conversations" + (query.isEmpty() ? "" : "?" + query)));
    }

    void deleteBatch(Workspace workspace, String batchId) {
        send(keyed(workspace.apiKey(), "/v1/convai/batch-calling/" + batchId).delete());
    }

    /** One dial as the attempts endpoint shows it; times in epoch milliseconds, absent when not reached. */
    record Attempt(String recipientId, long claimedAt, Optional<Long> dialedAt, Optional<Long> endedAt,
                   Optional<String> outcome) {}

    /** Every attempt of a batch, in claim order, a thousand per request. */
    List<Attempt> attempts(Workspace workspace, String batchId) {
        var all = new ArrayList<Attempt>();
        Optional<String> cursor = Optional.empty();
        do {
            var path = "/v1/convai/batch-calling/" + batchId + "/attempts?limit=1000"
                    + cursor.map(c -> "&cursor=" + encode(c)).orElse("");
            var page = send(keyed(workspace.apiKey(), path)).json();
            for (var attempt : page.get("attempts")) {
                all.add(new Attempt(attempt.get("recipient_id").asText(), attempt.get("claimed_at_unix_ms").asLong(),
                        optionalLong(attempt, "dialed_at_unix_ms"), optionalLong(attempt, "ended_at_unix_ms"),
                        Optional.ofNullable(attempt.get("outcome")).filter(JsonNode::isTextual).map(JsonNode::asText)));
            }
            cursor = Optional.ofNullable(page.get("next_cursor")).filter(JsonNode::isTextual).map(JsonNode::asText);
        } while (cursor.isPresent());
        return all;
    }

    /** A client of another node of the same installation (the same admin token), at {@code base}. */
    ApiClient at(URI otherBase) {
        return new ApiClient(otherBase, adminToken);
    }

    ServerMetrics metrics() {
        var response = send(new Request(Method.GET, base.resolve("/metrics"), Map.of(), Optional.empty()));
        return ServerMetrics.parse(new String(response.body(), StandardCharsets.UTF_8));
    }

    /** The methods the harness sends; HttpURLConnection refuses others, PATCH among them. */
    private enum Method { GET, POST, DELETE }

    /** One request, described before it is sent: a GET without a body until {@link #post} or {@link #delete}. */
    private record Request(Method method, URI uri, Map<String, String> headers, Optional<byte[]> body) {
        Request post(byte[] body) {
            return new Request(Method.POST, uri, headers, Optional.of(body));
        }

        Request delete() {
            return new Request(Method.DELETE, uri, headers, Optional.empty());
        }
    }

    private static Optional<Long> optionalLong(JsonNode node, String field) {
        return Optional.ofNullable(node.get(field)).filter(JsonNode::isNumber).map(JsonNode::asLong);
    }

    private Request admin(String path) {
        return new Request(Method.GET, base.resolve(path), Map.of("Authorization", "Bearer " + adminToken,
                "Content-Type", "application/json"), Optional.empty());
    }

    private Request keyed(String apiKey, String path) {
        return new Request(Method.GET, base.resolve(path), Map.of("xi-api-key", apiKey,
                "Content-Type", "application/json"), Optional.empty());
    }

    private static byte[] body(JsonNode json) {
        try {
            return JSON.writeValueAsBytes(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private Response send(Request request) {
        var described = request.method() + " " + request.uri();
        long started = System.nanoTime();
        HttpURLConnection connection = null;
        try {
            // No proxy, as java.net.http.HttpClient had none: the server is on loopback, and http.proxyHost must
            // not put a hop into the figures.
            connection = (HttpURLConnection) request.uri().toURL().openConnection(Proxy.NO_PROXY);
            connection.setConnectTimeout(Math.toIntExact(CONNECT_TIMEOUT.toMillis()));
            connection.setReadTimeout(Math.toIntExact(REQUEST_TIMEOUT.toMillis()));
            // A redirect is an answer to report, not to follow (HttpClient's default, Redirect.NEVER).
            connection.setInstanceFollowRedirects(false);
            connection.setRequestMethod(request.method().name());
            // Before JDK 23 the default Accept is a browser's (text/html first), which may turn an error into HTML.
            connection.setRequestProperty("Accept", "*/*");
            request.headers().forEach(connection::setRequestProperty);
            if (request.body().isPresent()) {
                var body = request.body().get();
                // Streamed with its length, not buffered by the JDK; and a streamed POST is never sent twice
                // (HttpURLConnection otherwise retries a POST once when a kept-alive connection turns out closed).
                connection.setDoOutput(true);
                connection.setFixedLengthStreamingMode(body.length);
                try (var out = connection.getOutputStream()) {
                    out.write(body);
                }
            }
            int status = connection.getResponseCode();
            byte[] body;
            // Read to the end and closed, whatever the status: only then does the connection go back to the
            // keep-alive cache. Above 399 the body is on the error stream (null when there is none).
            try (var in = status >= 400 ? connection.getErrorStream() : connection.getInputStream()) {
                body = in == null ? new byte[0] : in.readAllBytes();
            }
            var took = Duration.ofNanos(System.nanoTime() - started);
            if (status / 100 != 2) {
                throw new StatusException(described + " answered " + status + ": "
                        + new String(body, StandardCharsets.UTF_8), status);
            }
            return new Response(status, body, took);
        } catch (IOException e) {
            if (connection != null) {
                connection.disconnect(); // a connection that failed half way must not be reused
            }
            throw new UncheckedIOException(described + " failed", e);
        }
    }
}
