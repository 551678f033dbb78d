package io.batchcall.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.TestServer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ErrorResponsesTest {
    private static final CountDownLatch SLOW_REQUEST_ENTERED = new CountDownLatch(1);
    private static final CountDownLatch SLOW_REQUEST_RELEASE = new CountDownLatch(1);

    /** Routes that exist only in this test: one that fails unexpectedly, one that waits to be released. */
    private static final RouteGroup PROBES = routes -> {
        routes.get("/v1/test/explode", ctx -> {
            throw new IllegalStateException("secret internal detail");
        });
        routes.get("/test/slow", ctx -> {
            SLOW_REQUEST_ENTERED.countDown();
            SLOW_REQUEST_RELEASE.await(30, TimeUnit.SECONDS);
            ctx.result("finished");
        });
    };

    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of(), List.of(PROBES));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void malformed_json_is_a_422_on_the_body_in_fastapi_shape() {
        var response = server.admin().post("/admin/v1/workspaces", "{\"name\": ");

        assertThat(response.status()).isEqualTo(422);
        var detail = response.json().get("detail");
        assertThat(detail.isArray()).isTrue();
        assertThat(detail.get(0).get("loc").toString()).isEqualTo("[\"body\"]");
        assertThat(detail.get(0).get("type").asText()).isEqualTo("json_invalid");
        assertThat(detail.get(0).get("msg").asText()).startsWith("JSON decode error");
    }

    @Test
    void a_body_that_is_json_but_not_an_object_is_a_422_on_the_body() {
        var response = server.admin().post("/admin/v1/workspaces", "[1,2]");

        assertThat(response.status()).isEqualTo(422);
        assertThat(response.json().at("/detail/0/type").asText()).isEqualTo("model_attributes_type");
    }

    @Test
    void an_unknown_route_is_a_404_in_the_detail_shape() {
        var response = server.anonymous().get("/no/such/route");

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.json().at("/detail/status").asText()).isEqualTo("not_found");
        assertThat(response.json().at("/detail/message").asText()).isEqualTo("No route GET /no/such/route");
    }

    @Test
    void requests_jetty_refuses_before_any_route_are_answered_in_the_detail_shape() {
        var raw = new io.batchcall.support.RawHttp(server.port());
        var badPath = raw.send("GET", "/v1/convai/batch-calling/%C0%AF", Map.of(), new byte[0]);
        var longPath = raw.send("GET", "/v1/convai/batch-calling/" + "a".repeat(20_000), Map.of(), new byte[0]);
        var longHeader = raw.send("GET", "/v1/convai/batch-calling", Map.of("X-Long", "b".repeat(20_000)), new byte[0]);

        for (var response : List.of(badPath, longPath, longHeader)) {
            assertThat(response.status()).as(response.toString()).isBetween(400, 431);
            assertThat(response.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
            assertThat(response.json().at("/detail/status").asText()).isEqualTo("http_error");
            assertThat(response.json().at("/detail/message").asText()).isNotBlank();
        }
        assertThat(badPath.status()).isEqualTo(400);
    }

    @Test
    void an_unexpected_error_is_a_500_with_a_reference_and_no_internals() {
        var response = server.client().get("/v1/test/explode");

        assertThat(response.status()).isEqualTo(500);
        assertThat(response.json().at("/detail/status").asText()).isEqualTo("internal_error");
        assertThat(response.json().at("/detail/message").asText()).contains("reference");
        assertThat(response.body())
                .doesNotContain("secret internal detail")
                .doesNotContain("IllegalStateException")
                .doesNotContain("at io.batchcall");
    }

    @Test
    void stopping_the_server_lets_a_request_in_flight_finish() throws Exception {
        try (var node = TestServer.start(Map.of(), List.of(PROBES))) {
            var client = node.anonymous();
            var inFlight = CompletableFuture.supplyAsync(() -> client.get("/test/slow"));
            assertThat(SLOW_REQUEST_ENTERED.await(10, TimeUnit.SECONDS)).isTrue();

            var stopping = CompletableFuture.runAsync(node::close);
            SLOW_REQUEST_RELEASE.countDown();

            var response = inFlight.get(30, TimeUnit.SECONDS);
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("finished");
            stopping.get(30, TimeUnit.SECONDS);
        }
    }
}
