package io.batchcall.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.Await;
import io.batchcall.support.HttpResult;
import io.batchcall.support.RawHttp;
import io.batchcall.support.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A body over a limit is a 413 or a 422 that names the limit, never a 500, and is refused while it is read; the
 * node's room for large bodies is shared, and a request that finds none is a 503 with Retry-After, not a wait.
 * The server here has small limits so that the tests send small bodies.
 */
class RequestBodyLimitsTest {
    private static final String CREATE_AGENT = "/v1/convai/agents/create";
    private static final int MB = 1024 * 1024;

    private static TestServer server;
    private static RawHttp raw;

    @BeforeAll
    static void start() {
        server = TestServer.start(
                Map.of(
                        "BATCHCALL_MAX_BODY_MB", "1",
                        "BATCHCALL_BODY_MB_IN_FLIGHT", "1",
                        "BATCHCALL_JSON_MAX_DEPTH", "16",
                        "BATCHCALL_JSON_MAX_STRING_CHARS", "2000",
                        "BATCHCALL_JSON_MAX_NUMBER_CHARS", "30"),
                List.of());
        raw = new RawHttp(server.port());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static Map<String, String> jsonHeaders() {
        return Map.of("xi-api-key", TestServer.API_KEY, "Content-Type", "application/json");
    }

    private static void assertJsonLimit(HttpResult response, String mentions) {
        assertThat(response.status()).as(response.toString()).isEqualTo(422);
        assertThat(response.json().at("/detail/0/loc").toString()).isEqualTo("[\"body\"]");
        assertThat(response.json().at("/detail/0/type").asText()).isEqualTo("json_limit");
        assertThat(response.json().at("/detail/0/msg").asText())
                .contains(mentions)
                .doesNotContain("StreamRead");
    }

    @Test
    void nesting_deeper_than_the_limit_is_a_422_naming_the_depth() {
        var body = "{\"name\":\"a\",\"tags\":" + "[".repeat(40) + "]".repeat(40) + "}";

        assertJsonLimit(server.client().post(CREATE_AGENT, body), "nesting depth");
    }

    @Test
    void a_string_longer_than_the_limit_is_a_422_naming_the_length() {
        var body = "{\"name\":\"" + "n".repeat(2_001) + "\"}";

        assertJsonLimit(server.client().post(CREATE_AGENT, body), "String value length");
    }

    @Test
    void an_object_key_longer_than_the_limit_is_a_422_too() {
        var body = "{\"name\":\"a\",\"" + "k".repeat(2_001) + "\":1}";

        assertJsonLimit(server.client().post(CREATE_AGENT, body), "Name length");
    }

    @Test
    void a_number_longer_than_the_limit_is_a_422_naming_the_length() {
        var body = "{\"name\":\"a\",\"concurrency_limit\":" + "9".repeat(31) + "}";

        assertJsonLimit(server.client().post(CREATE_AGENT, body), "Number value length");
    }

    @Test
    void a_body_declaring_more_than_the_size_limit_is_a_413_in_the_error_shape() {
        var response = raw.send("POST", CREATE_AGENT, jsonHeaders(), padded(MB + 1));

        assertThat(response.status()).as(response.toString()).isEqualTo(413);
        assertThat(response.json().at("/detail/status").asText()).isEqualTo("request_too_large");
    }

    @Test
    void a_chunked_body_without_a_length_is_cut_off_at_the_size_limit_with_a_413() {
        var response = raw.sendChunked("POST", CREATE_AGENT, jsonHeaders(), padded(2 * MB), 64 * 1024);

        assertThat(response.status()).as(response.toString()).isEqualTo(413);
        assertThat(response.json().at("/detail/status").asText()).isEqualTo("request_too_large");
    }

    @Test
    void a_chunked_body_within_the_limits_is_read_like_any_other() {
        var response = raw.sendChunked(
                "POST",
                CREATE_AGENT,
                jsonHeaders(),
                "{\"name\":\"Chunked agent\"}".getBytes(StandardCharsets.UTF_8),
                5);

        assertThat(response.status()).as(response.toString()).isEqualTo(200);
    }

    @Test
    void a_large_body_that_finds_no_room_is_a_503_with_retry_after_and_the_room_comes_back_when_its_holder_ends()
            throws IOException {
        var body = padded(900 * 1024);
        // A client that declares a large body and then stalls holds the node's only room while it does.
        try (var stalled = stalledUpload(body.length)) {
            assertThat(stalled.isConnected()).isTrue();
            var busy = new AtomicReference<HttpResult>();
            Await.until(Duration.ofSeconds(20), "a second large body is told to come back", () -> {
                var response = raw.send("POST", CREATE_AGENT, jsonHeaders(), body);
                busy.set(response);
                return response.status() == 503;
            });
            assertThat(busy.get().json().at("/detail/status").asText()).isEqualTo("server_busy");
            assertThat(busy.get().headers().firstValue("Retry-After")).hasValue("2");
            // A small body needs no room: the node still takes ordinary edits.
            assertThat(server.client()
                            .post(CREATE_AGENT, "{\"name\":\"Small\"}")
                            .status())
                    .isEqualTo(200);
        }

        Await.until(
                Duration.ofSeconds(20),
                "the stalled request's room is returned",
                () -> raw.send("POST", CREATE_AGENT, jsonHeaders(), body).status() == 200);
    }

    @Test
    void room_taken_by_a_refused_body_is_returned() {
        for (int i = 0; i < 3; i++) {
            var bad = padded(900 * 1024);
            bad[bad.length - 1] = '!';

            assertThat(raw.send("POST", CREATE_AGENT, jsonHeaders(), bad).status())
                    .isEqualTo(422);
        }
        assertThat(raw.send("POST", CREATE_AGENT, jsonHeaders(), padded(900 * 1024))
                        .status())
                .isEqualTo(200);
    }

    /** An agent create of exactly {@code size} bytes: a name and an ignored field of padding. */
    private static byte[] padded(int size) {
        var head = "{\"name\":\"Padded\",\"pad\":[";
        var tail = "]}";
        var text = new StringBuilder(size).append(head);
        while (text.length() + tail.length() + 6 <= size) {
            text.append(text.charAt(text.length() - 1) == '[' ? "\"aaa\"" : ",\"aa\"");
        }
        text.append(" ".repeat(size - text.length() - tail.length())).append(tail);
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static Socket stalledUpload(int declaredLength) {
        try {
            var socket = new Socket();
            socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
            var head = "POST " + CREATE_AGENT + " HTTP/1.1\r\nHost: 127.0.0.1\r\nxi-api-key: " + TestServer.API_KEY
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + declaredLength + "\r\n\r\n{\"name\":";
            socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return socket;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
