package io.batchcall.api;

import io.batchcall.config.HttpConfig;
import io.batchcall.config.RequestLimitsConfig;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.json.JavalinJackson;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server: Javalin on Jetty with virtual threads, every route group registered up front, one error
 * mapper, and request timings in Micrometer. Stopping lets requests in flight finish (up to a bound).
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
    /** How long a stop waits for requests in flight before it cuts them off. */
    private static final Duration IN_FLIGHT_GRACE = Duration.ofSeconds(20);

    private static final java.util.Set<String> HTTP_METHODS = java.util.Set.of("GET", "POST", "PUT", "PATCH", "DELETE");

    private final Javalin javalin;
    private final List<String> routes = new java.util.concurrent.CopyOnWriteArrayList<>();

    public ApiServer(
            HttpConfig http,
            RequestLimitsConfig limits,
            ApiErrors errors,
            List<RouteGroup> groups,
            MeterRegistry meters) {
        var bodies = new RequestBodies(limits);
        this.javalin = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.concurrency.useVirtualThreads = true;
            config.jsonMapper(new JavalinJackson(Json.MAPPER, true));
            // Javalin's own limit, for the readers that are not ours (multipart uploads); JSON goes through
            // RequestBodies.
            config.http.maxRequestSize = limits.maxBodyBytes();
            config.appData(RequestBodies.KEY, bodies);
            config.jetty.host = http.host();
            config.jetty.port = http.port();
            config.jetty.modifyServer(server -> {
                server.setStopTimeout(IN_FLIGHT_GRACE.toMillis());
                // Without a GracefulHandler, Jetty's stop closes connections under requests still running.
                server.insertHandler(new GracefulHandler());
                server.setErrorHandler(new ProtocolErrors());
            });
            config.requestLogger.http((ctx, millis) -> record(meters, ctx, millis));
            config.staticFiles.add(Dashboard::serve);
            config.events.handlerAdded(handler -> {
                if (HTTP_METHODS.contains(handler.getHttpMethod().name())) {
                    routes.add(handler.getHttpMethod().name() + " " + handler.getPath());
                }
            });
            errors.register(config.routes);
            InboundText.register(config.routes);
            bodies.register(config.routes);
            groups.forEach(group -> group.register(config.routes));
        });
    }

    public ApiServer start() {
        javalin.start();
        log.info("HTTP server listening port={}", javalin.port());
        return this;
    }

    public int port() {
        return javalin.port();
    }

    /** Every route as "METHOD /path/{param}": what /openapi.json must describe. */
    public List<String> routes() {
        return List.copyOf(routes);
    }

    private static void record(MeterRegistry meters, Context ctx, Float millis) {
        var endpoint = ctx.endpoints().lastHttpEndpoint();
        Timer.builder("http.server.requests")
                .tag("method", ctx.method().name())
                // The route pattern, never the raw path: ids in paths would make a series per object.
                .tag("uri", endpoint == null ? "NOT_FOUND" : endpoint.path)
                .tag("status", Integer.toString(ctx.statusCode()))
                .register(meters)
                .record((long) (millis * 1_000_000), TimeUnit.NANOSECONDS);
    }

    @Override
    public void close() {
        javalin.stop();
    }
}
