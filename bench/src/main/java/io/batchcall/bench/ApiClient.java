package io.batchcall.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * batchcall's HTTP API as the harness uses it: the admin API to make workspaces, the public API with a
 * workspace's key, and /metrics. Every call is timed from sending the request to the last byte of the response.
 * A status that is not 2xx is a broken run, never a measurement.
 */
final class ApiClient {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(5);

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
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
        var workspace = send(admin("/admin/v1/workspaces").POST(body(JSON.createObjectNode()
                .put("name", name).put("concurrency_limit", concurrencyLimit)))).json();
        var key = workspace.get("api_key").asText();
        var agent = send(keyed(key, "/v1/convai/agents/create").POST(body(JSON.createObjectNode()
                .put("name", name + " agent")))).json().get("agent_id").asText();
        var number = send(keyed(key, "/v1/convai/phone-numbers").POST(body(JSON.createObjectNode()
                .put("provider", "simulator").put("phone_number", "+14155550100").put("label", name)
                .put("agent_id", agent).put("cps", 10_000)))).json().get("phone_number_id").asText();
        return new Workspace(workspace.get("workspace_id").asText(), key, agent, number);
    }

    Response submit(Workspace workspace, byte[] batch) {
        return send(keyed(workspace.apiKey(), "/v1/convai/batch-calling/submit")
                .POST(HttpRequest.BodyPublishers.ofByteArray(batch)));
    }

    Response getBatch(Workspace workspace, String batchId) {
        return send(keyed(workspace.apiKey(), "/v1/convai/batch-calling/" + batchId).GET());
    }

    Response listBatches(Workspace workspace, int limit, Optional<String> lastDoc) {
        var query = "?limit=" + limit + lastDoc.map(doc -> "&last_doc=" + encode(doc)).orElse("");
        return send(keyed(workspace.apiKey(), "/v1/convai/batch-calling/workspace" + query).GET());
    }

    /** The first page (30) of the workspace's conversations with a query string of filters (may be empty). */
    Response listConversations(Workspace workspace, String query) {
        return send(keyed(workspace.apiKey(), "/v1/convai/conversations" + (query.isEmpty() ? "" : "?" + query))
                .GET());
    }

    void deleteBatch(Workspace workspace, String batchId) {
        send(keyed(workspace.apiKey(), "/v1/convai/batch-calling/" + batchId).DELETE());
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
            var page = send(keyed(workspace.apiKey(), path).GET()).json();
            for (var attempt : page.get("attempts")) {
                all.add(new Attempt(attempt.get("recipient_id").asText(), attempt.get("claimed_at_unix_ms").asLong(),
                        optionalLong(attempt, "dialed_at_unix_ms"), optionalLong(attempt, "ended_at_unix_ms"),
                        Optional.ofNullable(attempt.get("outcome")).filter(JsonNode::isTextual).map(JsonNode::asText)));
            }
            cursor = Optional.ofNullable(page.get("next_cursor")).filter(JsonNode::isTextual).map(JsonNode::asText);
        } while (cursor.isPresent());
        return all;
    }

    ServerMetrics metrics() {
        var response = send(HttpRequest.newBuilder(base.resolve("/metrics")).timeout(REQUEST_TIMEOUT).GET());
        return ServerMetrics.parse(new String(response.body(), StandardCharsets.UTF_8));
    }

    private static Optional<Long> optionalLong(JsonNode node, String field) {
        return Optional.ofNullable(node.get(field)).filter(JsonNode::isNumber).map(JsonNode::asLong);
    }

    private HttpRequest.Builder admin(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(REQUEST_TIMEOUT)
                .header("Authorization", "Bearer " + adminToken).header("Content-Type", "application/json");
    }

    private HttpRequest.Builder keyed(String apiKey, String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(REQUEST_TIMEOUT)
                .header("xi-api-key", apiKey).header("Content-Type", "application/json");
    }

    private static HttpRequest.BodyPublisher body(JsonNode json) {
        try {
            return HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(json));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private Response send(HttpRequest.Builder request) {
        var built = request.build();
        long started = System.nanoTime();
        try {
            var response = http.send(built, HttpResponse.BodyHandlers.ofByteArray());
            var took = Duration.ofNanos(System.nanoTime() - started);
            if (response.statusCode() / 100 != 2) {
                throw new StatusException(built.method() + " " + built.uri() + " answered "
                        + response.statusCode() + ": " + new String(response.body(), StandardCharsets.UTF_8),
                        response.statusCode());
            }
            return new Response(response.statusCode(), response.body(), took);
        } catch (IOException e) {
            throw new UncheckedIOException(built.method() + " " + built.uri() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
