package io.batchcall.api;

import java.time.Duration;

/**
 * A request refused for now, not for good: a 429 whose {@code Retry-After} says when trying again may succeed.
 * The {@code code} is ElevenLabs' where it has one ({@code system_busy} when the node is short of a shared
 * resource), ours otherwise ({@code rate_limit_exceeded} for a client over its request rate). Nothing was done
 * for the request, so a client (the SDKs retry 429s) may simply send it again.
 */
public final class TooManyRequests extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String code;
    private final Duration retryAfter;

    public TooManyRequests(String code, String message, Duration retryAfter) {
        super(message, null, false, false);
        this.code = code;
        this.retryAfter = retryAfter;
    }

    public String code() {
        return code;
    }

    /** Whole seconds, rounded up and at least 1, as the header takes them. */
    public long retryAfterSeconds() {
        long seconds = retryAfter.toSeconds() + (retryAfter.getNano() > 0 ? 1 : 0);
        return Math.max(1, seconds);
    }
}
