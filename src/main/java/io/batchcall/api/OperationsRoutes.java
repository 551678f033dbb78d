package io.batchcall.api;

import io.batchcall.store.Database;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;

/** Liveness, readiness and metrics, for load balancers and Prometheus; none needs a key. */
public final class OperationsRoutes implements RouteGroup {
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final Database database;
    private final PrometheusMeterRegistry meters;

    public OperationsRoutes(Database database, PrometheusMeterRegistry meters) {
        this.database = database;
        this.meters = meters;
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
        ctx.json(Map.of("status", "ready"));
    }
}
