package io.batchcall.api;

import io.batchcall.domain.StateConflict;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become HTTP responses. Validation failures are 422 in FastAPI's list shape;
 * everything else is {@code {"detail":{"status","message"}}}. Unexpected errors are logged once, here, and
 * answered 500 with a reference to the log line, never a stack trace.
 */
public final class ApiErrors {
    private static final Logger log = LoggerFactory.getLogger(ApiErrors.class);

    public void register(RoutesConfig routes) {
        routes.exception(
                ValidationException.class, (e, ctx) -> ctx.status(422).json(new ValidationBody(e.violations())));
        routes.exception(StateConflict.class, (e, ctx) -> respond(ctx, 409, e.code(), e.getMessage()));
        routes.exception(ApiException.class, (e, ctx) -> respond(ctx, e.httpStatus(), e.code(), e.getMessage()));
        routes.exception(TooManyRequests.class, (e, ctx) -> {
            ctx.header("Retry-After", Long.toString(e.retryAfterSeconds()));
            closeIfBodyUnread(ctx, 429);
            respond(ctx, 429, e.code(), e.getMessage());
        });
        routes.exception(HttpResponseException.class, (e, ctx) -> {
            // Javalin's own responses: an unknown route, a method a route does not take.
            if (e.getStatus() == 404) {
                respond(ctx, 404, "not_found", "No route " + ctx.method() + " " + ctx.path());
            } else {
                respond(ctx, e.getStatus(), "http_error", e.getMessage());
            }
        });
        routes.exception(Exception.class, (e, ctx) -> {
            var reference = UUID.randomUUID().toString();
            log.error(
                    "Request failed unexpectedly reference={} method={} path={}",
                    reference,
                    ctx.method(),
                    ctx.path(),
                    e);
            respond(
                    ctx,
                    500,
                    "internal_error",
                    "An unexpected error occurred; the server log has the details under reference " + reference);
        });
    }

    record ErrorBody(ErrorDetail detail) {}

    record ErrorDetail(String status, String message) {}

    record ValidationBody(List<Violation> detail) {}

    static void respond(Context ctx, int status, String code, String message) {
        closeIfBodyUnread(ctx, status);
        ctx.status(status).json(new ErrorBody(new ErrorDetail(code, message)));
    }

    /**
     * A body refused before it was read (too large, or no room to read it) is left on the connection, which the
     * server then closes after the response. Saying so in the response keeps clients from sending their next
     * request on a connection about to close (it would fail with no answer at all).
     */
    private static void closeIfBodyUnread(Context ctx, int status) {
        if ((status == 413 || status == 429 || status == 503) && ctx.req().getContentLengthLong() != 0) {
            ctx.header("Connection", "close");
        }
    }

    /** The 422 for a body that is not JSON at all, as FastAPI reports it. */
    static ValidationException malformedJson(String reason) {
        return new ValidationException(
                List.of(new Violation(List.of("body"), "JSON decode error: " + reason, "json_invalid")));
    }
}
