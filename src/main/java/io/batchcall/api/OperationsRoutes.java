package io.batchcall.api;

import io.batchcall.store.Database;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Liveness, readiness and metrics, for load balancers and Prometheus; none needs an API key. {@code /metrics}
 * needs {@code Authorization: Bearer <BATCHCALL_METRICS_TOKEN>} when that token is set.
 */
public final class OperationsRoutes implements RouteGroup {
    private static final String BEARER = "Bearer ";
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final String version;
    private final Database database;
    private final PrometheusMeterRegistry meters;
    private final Optional<byte[]> metricsToken;
    private final Supplier<List<String>> dispatchProblems;

    /**
     * {@code version}: this build's, shown by /health. {@code dispatchProblems}: what keeps this node's dispatching
     * from working (a stopped or stuck thread).
     */
    public OperationsRoutes(
            String version,
            Database database,
            PrometheusMeterRegistry meters,
            Optional<String> metricsToken,
            Supplier<List<String>> dispatchProblems) {
        this.version = version;
        this.database = database;
        this.meters = meters;
        this.metricsToken = metricsToken.map(token -> token.getBytes(StandardCharsets.UTF_8));
        this.dispatchProblems = dispatchProblems;
    }

    /** {@code /health}'s answer: {@code {"status":"ok","version":"..."}}, in that order. */
    private record Health(String status, String version) {}

    @Override
    public void register(RoutesConfig routes) {
        routes.get("/health", ctx -> ctx.json(new Health("ok", version)));
        routes.get("/ready", this::ready);
        routes.get("/metrics", this::metrics);
        var openApi = OpenApiDocument.build().toString();
        routes.get("/openapi.json", ctx -> ctx.contentType("application/json").result(openApi));
    }

    private void metrics(Context ctx) {
        if (metricsToken.isPresent()) {
            var header = Optional.ofNullable(ctx.header("Authorization")).orElse("");
            var given = header.startsWith(BEARER)
                    ? header.substring(BEARER.length()).strip()
                    : "";
            // Constant time: the token must not be guessable a byte at a time from response times.
            if (!MessageDigest.isEqual(metricsToken.get(), given.getBytes(StandardCharsets.UTF_8))) {
                ctx.header("WWW-Authenticate", "Bearer");
                throw new ApiException(
                        401,
                        "invalid_metrics_token",
                        "/metrics needs Authorization: Bearer with the node's BATCHCALL_METRICS_TOKEN");
            }
        }
        ctx.contentType(PROMETHEUS_TEXT).result(meters.scrape());
    }

    private void ready(Context ctx) {
        if (!database.ready()) {
            throw new ApiException(503, "not_ready", "The database is unreachable or not fully migrated");
        }
        var problems = dispatchProblems.get();
        if (!problems.isEmpty()) {
            throw new ApiException(503, "not_ready", "This node cannot dispatch: " + String.join("; ", problems));
        }
        ctx.json(Map.of("status", "ready"));
    }
}
