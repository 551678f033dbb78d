package io.batchcall.api;

import io.batchcall.store.Database;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** Liveness, readiness and metrics, for load balancers and Prometheus; none needs a key. */
public final class OperationsRoutes implements RouteGroup {
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final Database database;
    private final PrometheusMeterRegistry meters;
    private final Supplier<List<String>> dispatchProblems;

    /** {@code dispatchProblems}: what keeps this node's dispatching from working (a stopped or stuck thread). */
    public OperationsRoutes(Database database, PrometheusMeterRegistry meters,
                            Supplier<List<String>> dispatchProblems) {
        this.database = database;
        this.meters = meters;
        this.dispatchProblems = dispatchProblems;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get("/health", ctx -> ctx.json(Map.of("status", "ok")));
        routes.get("/ready", this::ready);
        routes.get("/metrics", ctx -> ctx.contentType(PROMETHEUS_TEXT).result(meters.scrape()));
        var openApi = OpenApiDocument.build().toString();
        routes.get("/openapi.json", ctx -> ctx.contentType("application/json").result(openApi));
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
