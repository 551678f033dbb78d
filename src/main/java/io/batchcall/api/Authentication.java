package io.batchcall.api;

import io.batchcall.config.RateLimitConfig;
import io.batchcall.domain.ApiKeySecret;
import io.batchcall.domain.Workspace;
import io.batchcall.store.ApiKeyStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Every {@code /v1/...} request carries an API key ({@code xi-api-key}, or {@code Authorization: Bearer}); the key
 * decides the workspace, and so which objects exist for that request. The 401 bodies are ElevenLabs' own.
 *
 * <p>It is also where request rates are enforced (see {@link RateLimitConfig}), because the costly step of a
 * request that nobody should be able to repeat at will is here: looking a key up in PostgreSQL. In order: the
 * client address's rate; for a key not seen valid lately, the address's budget of unknown keys, before any
 * database work; the look-up itself, of which only a few run at once; then the key's own rate.
 */
public final class Authentication implements RouteGroup {
    private static final String WORKSPACE_ATTRIBUTE = "batchcall.workspace";
    private static final String BEARER = "Bearer ";
    /**
     * How long a request waits for one of the look-up slots. Look-ups take milliseconds, so a wait this long
     * means the database is slow or the node is flooded; answering 429 then is better than queueing.
     */
    private static final Duration LOOKUP_SLOT_WAIT = Duration.ofSeconds(2);

    private static final Duration LOOKUP_RETRY_AFTER = Duration.ofSeconds(1);

    private final ApiKeyStore keys;
    private final TokenBuckets addresses;
    private final TokenBuckets unknownKeys;
    private final TokenBuckets perKey;
    private final Semaphore lookups;
    private final Counter lookedUp;
    private final MeterRegistry meters;

    public Authentication(ApiKeyStore keys, RateLimitConfig limits, Clock clock, MeterRegistry meters) {
        this.keys = keys;
        this.meters = meters;
        this.lookedUp = Counter.builder("batchcall.api.key.lookups")
                .description("API keys looked up in the database")
                .register(meters);
        this.addresses = new TokenBuckets(limits.perAddress(), clock);
        this.unknownKeys = new TokenBuckets(limits.unknownKeysPerAddress(), clock);
        this.perKey = new TokenBuckets(limits.perKey(), clock);
        this.lookups = new Semaphore(limits.maxConcurrentKeyLookups());
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.before("/v1/*", this::authenticate);
    }

    private void authenticate(Context ctx) {
        if (ctx.path().startsWith(WhatsAppWebhookRoutes.PATH + "/")) {
            // Meta calls it without an API key: it is checked by the account's verify token and app secret.
            return;
        }
        // The connection's address, not X-Forwarded-For, which any client can write. Behind a proxy every
        // client shares the proxy's address; the per-address rates are sized for that.
        var address = ctx.req().getRemoteAddr();
        refuseWhileWaiting(addresses.take(address), "address_rate", "Too many requests from this address");
        var presented = presentedKey(ctx);
        if (presented == null) {
            throw new ApiException(
                    401,
                    "needs_authorization",
                    "Neither authorization header nor xi-api-key received, please provide one.");
        }
        var secret = new ApiKeySecret(presented);
        var keyId = HexFormat.of().formatHex(secret.hash());
        if (!perKey.tracks(keyId)) {
            refuseWhileWaiting(
                    unknownKeys.wait(address),
                    "unknown_keys",
                    "Too many requests with unknown API keys" + " from this address");
        }
        var workspace = lookUp(secret);
        if (workspace.isEmpty()) {
            unknownKeys.take(address);
            throw new ApiException(401, "invalid_api_key", "Invalid API key");
        }
        refuseWhileWaiting(perKey.take(keyId), "key_rate", "Too many requests with this API key");
        ctx.attribute(WORKSPACE_ATTRIBUTE, workspace.get());
    }

    private Optional<Workspace> lookUp(ApiKeySecret secret) {
        boolean acquired;
        try {
            acquired = lookups.tryAcquire(LOOKUP_SLOT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            acquired = false;
        }
        if (!acquired) {
            refused("lookups_busy");
            throw new TooManyRequests(
                    "system_busy",
                    "This server is checking as many API keys as it checks at" + " once; try again in a moment",
                    LOOKUP_RETRY_AFTER);
        }
        try {
            lookedUp.increment();
            return keys.authenticate(secret);
        } finally {
            lookups.release();
        }
    }

    private void refuseWhileWaiting(Duration wait, String reason, String message) {
        if (!wait.isZero()) {
            refused(reason);
            throw new TooManyRequests(
                    "rate_limit_exceeded",
                    message + "; try again in " + Math.max(1, (wait.toMillis() + 999) / 1000) + " s",
                    wait);
        }
    }

    /** Counted by reason, so that an operator sees which limit bites (and can tell a flood from a tight limit). */
    private void refused(String reason) {
        Counter.builder("batchcall.requests.refused")
                .tag("reason", reason)
                .description("Requests refused with a 429 before any work, by the limit that refused them")
                .register(meters)
                .increment();
    }

    private static String presentedKey(Context ctx) {
        var header = ctx.header("xi-api-key");
        if (header != null && !header.isBlank()) {
            return header.strip();
        }
        var authorization = ctx.header("Authorization");
        if (authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            var token = authorization.substring(BEARER.length()).strip();
            return token.isEmpty() ? null : token;
        }
        return null;
    }

    /** The workspace of the authenticated request; only valid under {@code /v1/}. */
    public static Workspace workspace(Context ctx) {
        Workspace workspace = ctx.attribute(WORKSPACE_ATTRIBUTE);
        if (workspace == null) {
            throw new IllegalStateException("workspace asked for outside an authenticated route: " + ctx.path());
        }
        return workspace;
    }
}
