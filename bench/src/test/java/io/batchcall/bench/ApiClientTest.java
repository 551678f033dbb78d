package io.batchcall.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ApiClientTest {
    private static final ApiClient.Workspace WORKSPACE = new ApiClient.Workspace("ws_1", "key-1", "agent_1",
            "phnum_1");

    private final RecordingServer server = new RecordingServer();
    private final ApiClient api = new ApiClient(server.uri(), "admin-token");

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void a_2xx_answer_comes_back_with_its_status_its_body_and_the_time_it_took() {
        server.answer("/v1/convai/batch-calling/btcal_1", 200, "{\"id\":\"btcal_1\"}");

        var response = api.getBatch(WORKSPACE, "btcal_1");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().get("id").asText()).isEqualTo("btcal_1");
        assertThat(response.millis()).isPositive();
        var received = server.received().getFirst();
        assertThat(received.method()).isEqualTo("GET");
        assertThat(received.header("xi-api-key")).contains("key-1");
        assertThat(received.header("Content-Type")).contains("application/json");
    }

    @Test
    void a_status_that_is_not_2xx_raises_a_status_exception_with_the_status_and_the_body() {
        server.answer("/v1/convai/batch-calling/btcal_gone", 404, "{\"detail\":{\"status\":\"not_found\"}}");

        assertThatThrownBy(() -> api.getBatch(WORKSPACE, "btcal_gone"))
                .isInstanceOfSatisfying(ApiClient.StatusException.class, e -> assertThat(e.status).isEqualTo(404))
                .hasMessageContaining("GET " + server.uri().resolve("/v1/convai/batch-calling/btcal_gone"))
                .hasMessageContaining("answered 404: {\"detail\":{\"status\":\"not_found\"}}");
    }

    @Test
    void an_error_without_a_body_and_a_redirect_are_status_exceptions_too() {
        server.answer("/v1/convai/batch-calling/btcal_busy", 503, "");
        server.answer("/v1/convai/batch-calling/btcal_moved", 302, "");

        assertThatThrownBy(() -> api.getBatch(WORKSPACE, "btcal_busy"))
                .isInstanceOfSatisfying(ApiClient.StatusException.class, e -> assertThat(e.status).isEqualTo(503))
                .hasMessageEndingWith("answered 503: ");
        assertThatThrownBy(() -> api.getBatch(WORKSPACE, "btcal_moved"))
                .isInstanceOfSatisfying(ApiClient.StatusException.class, e -> assertThat(e.status).isEqualTo(302));
        assertThat(server.received()).hasSize(2);
    }

    @Test
    void a_post_sends_its_body_with_the_workspace_key_as_json() {
        server.answer("/v1/convai/batch-calling/submit", 200, "{\"id\":\"btcal_2\"}");
        var batch = "{\"call_name\":\"bench\",\"recipients\":[]}".getBytes(StandardCharsets.UTF_8);

        var response = api.submit(WORKSPACE, batch);

        assertThat(response.json().get("id").asText()).isEqualTo("btcal_2");
        var received = server.received().getFirst();
        assertThat(received.method()).isEqualTo("POST");
        assertThat(received.body()).isEqualTo(batch);
        assertThat(received.header("xi-api-key")).contains("key-1");
        assertThat(received.header("Content-Type")).contains("application/json");
        assertThat(received.header("Authorization")).isEmpty();
    }

    @Test
    void a_workspace_is_made_with_the_admin_token_then_its_agent_and_number_with_its_own_key() {
        server.answer("/admin/v1/workspaces", 201,
                "{\"workspace_id\":\"ws_9\",\"api_key\":\"key-9\"}");
        server.answer("/v1/convai/agents/create", 200, "{\"agent_id\":\"agent_9\"}");
        server.answer("/v1/convai/phone-numbers", 200, "{\"phone_number_id\":\"phnum_9\"}");

        var workspace = api.createWorkspace("bench-test", 7);

        assertThat(workspace).isEqualTo(new ApiClient.Workspace("ws_9", "key-9", "agent_9", "phnum_9"));
        var received = server.received();
        assertThat(received).extracting(Received::method).containsExactly("POST", "POST", "POST");
        assertThat(received.get(0).header("Authorization")).contains("Bearer admin-token");
        assertThat(received.get(0).header("xi-api-key")).isEmpty();
        assertThat(received.get(0).json()).isEqualTo("{\"name\":\"bench-test\",\"concurrency_limit\":7}");
        assertThat(received.get(1).header("xi-api-key")).contains("key-9");
        assertThat(received.get(2).header("xi-api-key")).contains("key-9");
        assertThat(received.get(2).json()).contains("\"agent_id\":\"agent_9\"");
    }

    @Test
    void a_new_key_for_a_workspace_is_issued_with_the_admin_token_and_replaces_only_the_key() {
        server.answer("/admin/v1/workspaces/ws_1/api-keys", 201,
                "{\"key_id\":\"key_2\",\"api_key\":\"key-2\",\"prefix\":\"key-\",\"created_at_unix\":1}");

        var again = api.withNewKey(WORKSPACE);

        assertThat(again).isEqualTo(new ApiClient.Workspace("ws_1", "key-2", "agent_1", "phnum_1"));
        var received = server.received().getFirst();
        assertThat(received.method()).isEqualTo("POST");
        assertThat(received.path()).isEqualTo("/admin/v1/workspaces/ws_1/api-keys");
        assertThat(received.header("Authorization")).contains("Bearer admin-token");
        assertThat(received.header("xi-api-key")).isEmpty();
    }

    @Test
    void a_delete_is_sent_as_a_delete_and_a_204_without_a_body_is_success() {
        server.answer("/v1/convai/batch-calling/btcal_3", 204, "");

        api.deleteBatch(WORKSPACE, "btcal_3");

        var received = server.received().getFirst();
        assertThat(received.method()).isEqualTo("DELETE");
        assertThat(received.path()).isEqualTo("/v1/convai/batch-calling/btcal_3");
        assertThat(received.header("xi-api-key")).contains("key-1");
    }

    @Test
    void sequential_requests_share_one_connection_also_after_error_answers() {
        server.answer("/v1/convai/batch-calling/btcal_1", 200, "{\"id\":\"btcal_1\"}");
        server.answer("/v1/convai/batch-calling/btcal_gone", 404, "{\"detail\":\"gone\"}");
        server.answer("/v1/convai/batch-calling/btcal_busy", 503, "");
        server.answer("/v1/convai/batch-calling/submit", 200, "{\"id\":\"btcal_2\"}");

        api.getBatch(WORKSPACE, "btcal_1");
        api.getBatch(WORKSPACE, "btcal_1");
        assertThatThrownBy(() -> api.getBatch(WORKSPACE, "btcal_gone")).isInstanceOf(ApiClient.StatusException.class);
        assertThatThrownBy(() -> api.getBatch(WORKSPACE, "btcal_busy")).isInstanceOf(ApiClient.StatusException.class);
        api.submit(WORKSPACE, "{}".getBytes(StandardCharsets.UTF_8));
        api.deleteBatch(WORKSPACE, "btcal_1");
        api.listBatches(WORKSPACE, 100, Optional.empty());

        // A TCP connection is told by its client's port: one port for all seven requests, one connection.
        assertThat(server.received()).hasSize(7);
        assertThat(server.received()).extracting(Received::clientPort).containsOnly(
                server.received().getFirst().clientPort());
    }

    @Test
    void a_list_cursor_reaches_the_server_url_encoded_as_it_was_sent() {
        api.listBatches(WORKSPACE, 100, Optional.of("a cursor/with+characters"));

        assertThat(server.received().getFirst().rawQuery())
                .isEqualTo("limit=100&last_doc=a+cursor%2Fwith%2Bcharacters");
    }

    /** A request as the server saw it, with the client port of the connection it came on. */
    record Received(String method, String path, String rawQuery, Map<String, List<String>> headers, byte[] body,
                    int clientPort) {
        Optional<String> header(String name) {
            return headers.entrySet().stream().filter(h -> h.getKey().equalsIgnoreCase(name))
                    .map(h -> h.getValue().getFirst()).findFirst();
        }

        String json() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /**
     * The JDK's HTTP server on a loopback port of its own (HTTP/1.1, keeping connections alive), answering each path
     * as told (200 with {} otherwise) and recording every request.
     */
    static final class RecordingServer implements AutoCloseable {
        private record Answer(int status, byte[] body) {}

        private final HttpServer http;
        private final Map<String, Answer> answers = new ConcurrentHashMap<>();
        private final List<Received> received = new CopyOnWriteArrayList<>();

        RecordingServer() {
            try {
                http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            http.createContext("/", exchange -> {
                try (exchange) {
                    var uri = exchange.getRequestURI();
                    received.add(new Received(exchange.getRequestMethod(), uri.getPath(), uri.getRawQuery(),
                            Map.copyOf(exchange.getRequestHeaders()), exchange.getRequestBody().readAllBytes(),
                            exchange.getRemoteAddress().getPort()));
                    var answer = answers.getOrDefault(uri.getPath(), new Answer(200, "{}".getBytes(
                            StandardCharsets.UTF_8)));
                    if (answer.status() == 302) {
                        exchange.getResponseHeaders().add("Location", "/elsewhere");
                    }
                    // -1: no body at all; a 204 must have none.
                    int length = answer.body().length;
                    exchange.sendResponseHeaders(answer.status(), length == 0 ? -1 : length);
                    exchange.getResponseBody().write(answer.body());
                }
            });
            http.start();
        }

        URI uri() {
            return URI.create("http://" + http.getAddress().getHostString() + ":" + http.getAddress().getPort());
        }

        void answer(String path, int status, String body) {
            answers.put(path, new Answer(status, body.getBytes(StandardCharsets.UTF_8)));
        }

        List<Received> received() {
            return List.copyOf(received);
        }

        @Override
        public void close() {
            http.stop(0);
        }
    }
}
