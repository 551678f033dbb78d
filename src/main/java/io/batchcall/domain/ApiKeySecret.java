package io.batchcall.domain;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The secret text of an API key, as a client sends it. It exists in memory only: the store keeps its SHA-256
 * hash. A plain (unsalted) hash is enough because generated keys carry 238 bits of randomness, and a lookup by
 * hash must be possible without knowing the workspace.
 */
public record ApiKeySecret(String value) {
    private static final char[] ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final String PREFIX = "bc_";
    private static final int RANDOM_CHARACTERS = 40;
    private static final int VISIBLE_CHARACTERS = 8;

    public static ApiKeySecret generate(IdSource ids) {
        return new ApiKeySecret(PREFIX + ids.randomText(RANDOM_CHARACTERS, ALPHABET));
    }

    public byte[] hash() {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** The first characters, shown in listings so that a person can tell keys apart. */
    public String visiblePrefix() {
        return value.substring(0, Math.min(VISIBLE_CHARACTERS, value.length()));
    }

    @Override
    public String toString() {
        return "ApiKeySecret[" + visiblePrefix() + "...]";
    }
}
