package io.batchcall.domain;

import java.util.Base64;
import java.util.random.RandomGenerator;

/**
 * A webhook's signing secret: {@code whsec_} and the base64 of 32 random bytes. ElevenLabs' signature uses the whole
 * string's UTF-8 bytes as the HMAC key, Standard Webhooks the decoded bytes after the prefix; one string serves both.
 * Shown once when created or rotated, sealed at rest, and never printed.
 */
public record WebhookSecret(String value) {
    public static final String PREFIX = "whsec_";
    private static final int BYTES = 32;

    public WebhookSecret {
        if (!value.startsWith(PREFIX)) {
            throw new IllegalArgumentException("a webhook secret starts with " + PREFIX);
        }
    }

    /** From a generator that must be cryptographically strong in production (SecureRandom). */
    public static WebhookSecret generate(RandomGenerator random) {
        var bytes = new byte[BYTES];
        random.nextBytes(bytes);
        return new WebhookSecret(PREFIX + Base64.getEncoder().encodeToString(bytes));
    }

    /** The key Standard Webhooks signs with: the base64-decoded part after the prefix. */
    public byte[] standardWebhooksKey() {
        return Base64.getDecoder().decode(value.substring(PREFIX.length()));
    }

    @Override
    public String toString() {
        return "WebhookSecret[***]";
    }
}
