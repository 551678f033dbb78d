package io.batchcall.api;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.config.RequestLimitsConfig;
import io.javalin.config.Key;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Reads request bodies from the socket with every limit enforced while reading, never as one String: the size
 * (413, before a byte is read when Content-Length says it; while reading for chunked bodies), the JSON limits of
 * {@link RequestLimitsConfig} (422), and room across the node: large bodies take their size from one shared
 * budget for as long as their request runs, and a request that finds no room within {@link #ROOM_WAIT} is a 503
 * with Retry-After instead of a wait without end or an OutOfMemoryError.
 */
final class RequestBodies {
    static final Key<RequestBodies> KEY = new Key<>("batchcall.request-bodies");
    /** Bodies up to this size take no room: agent and number edits keep working while big submits queue. */
    static final int SMALL_BODY_BYTES = 64 * 1024;
    /** How long a large body waits for room before its request is told to come back. */
    static final Duration ROOM_WAIT = Duration.ofSeconds(2);

    static final int RETRY_AFTER_SECS = 2;
    /** Chunked bodies (no Content-Length) take room in steps of this many bytes as they arrive. */
    private static final int ROOM_STEP_BYTES = 1024 * 1024;

    private static final String STATE_ATTRIBUTE = "batchcall.request-body";

    private final RequestLimitsConfig limits;
    private final JsonFactory parsers;
    /** The room, in KiB so that a budget of many GB still fits a Semaphore's int. */
    private final Semaphore roomKib;

    RequestBodies(RequestLimitsConfig limits) {
        this.limits = limits;
        var constraints = StreamReadConstraints.builder()
                .maxNestingDepth(limits.jsonMaxDepth())
                .maxStringLength(limits.jsonMaxStringChars())
                .maxNameLength(Math.min(limits.jsonMaxStringChars(), StreamReadConstraints.DEFAULT_MAX_NAME_LEN))
                .maxNumberLength(limits.jsonMaxNumberChars())
                .maxDocumentLength(limits.maxBodyBytes())
                .build();
        // Json.MAPPER reads the tree; only the parser under it, from a copy of its factory, carries the request
        // limits. Stored JSON is read back by Json.MAPPER's own parser (Jackson's larger defaults), so that
        // lowering a limit later never makes stored data unreadable.
        this.parsers = Json.MAPPER
                .getFactory()
                .rebuild()
                .streamReadConstraints(constraints)
                // Not the socket's stream: what follows the JSON value is still read (counted, hashed).
                .disable(StreamReadFeature.AUTO_CLOSE_SOURCE)
                .build();
        this.roomKib = new Semaphore(kib(limits.bodyBytesInFlight()), true);
    }

    /** Returns the room a request's body took when the request ends, whatever the outcome. */
    void register(RoutesConfig routes) {
        routes.after(ctx -> {
            State state = ctx.attribute(STATE_ATTRIBUTE);
            if (state != null) {
                state.release();
            }
        });
    }

    /** The body parsed as JSON (null when it is empty), read from the socket within every limit. */
    JsonNode json(Context ctx) {
        var state = state(ctx);
        if (state.consumed) {
            throw new IllegalStateException("the request body was already read");
        }
        try (var in = state.open(ctx);
                var parser = parsers.createParser(in)) {
            JsonNode node = Json.MAPPER.readTree(parser);
            // Anything after the value (a second document, garbage) is read too, so that it counts and is hashed.
            in.transferTo(OutputStream.nullOutputStream());
            return node == null || node.isMissingNode() ? null : node;
        } catch (StreamConstraintsException e) {
            throw new ValidationException(List.of(new Violation(
                    List.of("body"),
                    "JSON limit exceeded: " + withoutJacksonMethod(e.getOriginalMessage()),
                    "json_limit")));
        } catch (JacksonException e) {
            var cause = rootCause(e);
            if (cause instanceof BodyLimit limit) {
                throw answer(limit, ctx);
            }
            throw ApiErrors.malformedJson(e.getOriginalMessage());
        } catch (BodyLimit e) {
            throw answer(e, ctx);
        } catch (IOException e) {
            var cause = rootCause(e);
            if (cause instanceof BodyLimit limit) {
                throw answer(limit, ctx);
            }
            throw new ApiException(400, "body_unreadable", "The request body could not be read: " + e.getMessage());
        }
    }

    /**
     * The body as UTF-8 text (a CSV), read within the same limits as JSON and at most {@code maxBytes}; past that,
     * {@code tooLarge}.
     */
    String text(Context ctx, long maxBytes, java.util.function.Supplier<ApiException> tooLarge) {
        var state = state(ctx);
        if (state.consumed) {
            throw new IllegalStateException("the request body was already read");
        }
        if (ctx.req().getContentLengthLong() > maxBytes) {
            throw tooLarge.get();
        }
        try (var in = state.open(ctx)) {
            var bytes = in.readNBytes(Math.toIntExact(maxBytes + 1));
            if (bytes.length > maxBytes) {
                throw tooLarge.get();
            }
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (BodyLimit e) {
            throw answer(e, ctx);
        } catch (IOException e) {
            throw new ApiException(400, "body_unreadable", "The request body could not be read: " + e.getMessage());
        }
    }

    /**
     * SHA-256 of method, path and body: what makes two requests "the same request" for an Idempotency-Key.
     * Computed while the body is read; a body no handler reads is read here, within the same limits, and dropped.
     */
    byte[] fingerprint(Context ctx) {
        var state = state(ctx);
        if (!state.consumed) {
            try (var in = state.open(ctx)) {
                in.transferTo(OutputStream.nullOutputStream());
            } catch (BodyLimit e) {
                throw answer(e, ctx);
            } catch (IOException e) {
                throw new ApiException(400, "body_unreadable", "The request body could not be read: " + e.getMessage());
            }
        }
        return state.digest.digest();
    }

    private State state(Context ctx) {
        State state = ctx.attribute(STATE_ATTRIBUTE);
        if (state == null) {
            state = new State(ctx);
            ctx.attribute(STATE_ATTRIBUTE, state);
        }
        return state;
    }

    private static Throwable rootCause(Throwable e) {
        var cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static String withoutJacksonMethod(String message) {
        // "... exceeds the maximum allowed (64, from `StreamReadConstraints.getMaxNestingDepth()`)": the setting
        // name means nothing to a client; the numbers do.
        return message == null ? "" : message.replaceAll(", from `[^`]*`", "");
    }

    private static int kib(long bytes) {
        return (int) Math.min(Integer.MAX_VALUE, (bytes + 1023) / 1024);
    }

    private ApiException tooLarge() {
        return new ApiException(
                413,
                "request_too_large",
                "The request body is larger than "
                        + limits.maxBodyBytes() / (1024 * 1024) + " MB (BATCHCALL_MAX_BODY_MB); split the batch into"
                        + " several submits");
    }

    /** One request's body: its digest, whether it was read, and the room it holds. */
    private final class State {
        private final MessageDigest digest;
        private boolean consumed;
        private int heldKib;

        State(Context ctx) {
            try {
                digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is part of every JDK", e);
            }
            digest.update((ctx.method().name() + " " + ctx.path() + "\n").getBytes(StandardCharsets.UTF_8));
        }

        InputStream open(Context ctx) throws IOException {
            consumed = true;
            long declared = ctx.req().getContentLengthLong();
            if (declared > limits.maxBodyBytes()) {
                throw tooLarge();
            }
            if (declared > SMALL_BODY_BYTES) {
                take(declared - SMALL_BODY_BYTES);
            }
            return new Bounded(ctx.req().getInputStream(), declared);
        }

        void take(long bytes) throws BodyLimit {
            int wanted = kib(bytes);
            try {
                if (!roomKib.tryAcquire(wanted, ROOM_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new BodyLimit(false);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BodyLimit(false);
            }
            heldKib += wanted;
        }

        void release() {
            if (heldKib > 0) {
                roomKib.release(heldKib);
                heldKib = 0;
            }
        }

        /** Counts, hashes, and stops at the size limit; takes room as a body without a length grows. */
        private final class Bounded extends FilterInputStream {
            private final boolean roomTakenUpFront;
            private long read;
            private long covered;

            Bounded(InputStream in, long declared) {
                super(in);
                this.roomTakenUpFront = declared >= 0;
                this.covered = SMALL_BODY_BYTES;
            }

            @Override
            public int read() throws IOException {
                var one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                int n = super.read(buffer, offset, length);
                if (n > 0) {
                    read += n;
                    if (read > limits.maxBodyBytes()) {
                        throw new BodyLimit(true);
                    }
                    if (!roomTakenUpFront && read > covered) {
                        long step = Math.max(ROOM_STEP_BYTES, read - covered);
                        take(step);
                        covered += step;
                    }
                    digest.update(buffer, offset, n);
                }
                return n;
            }

            @Override
            public long skip(long n) throws IOException {
                return read(new byte[(int) Math.min(n, 8192)], 0, (int) Math.min(n, 8192));
            }

            @Override
            public boolean markSupported() {
                return false;
            }
        }
    }

    /** A limit hit while reading: the body is too large, or the node has no room for it now. */
    private static final class BodyLimit extends IOException {
        private static final long serialVersionUID = 1L;
        private final boolean tooLarge;

        BodyLimit(boolean tooLarge) {
            super(tooLarge ? "request body too large" : "no room for the request body now", null);
            this.tooLarge = tooLarge;
        }
    }

    private ApiException answer(BodyLimit limit, Context ctx) {
        if (limit.tooLarge) {
            return tooLarge();
        }
        ctx.header("Retry-After", Integer.toString(RETRY_AFTER_SECS));
        return new ApiException(
                503,
                "server_busy",
                "The server is reading other large requests; retry in " + RETRY_AFTER_SECS + " seconds (Retry-After)");
    }
}
