package io.batchcall.domain;

import java.security.SecureRandom;
import java.util.random.RandomGenerator;

/**
 * Makes the opaque ids of every object: a type prefix (as ElevenLabs uses: {@code agent_}, {@code btcal_},
 * {@code phnum_}, {@code conv_}) and random lowercase letters and digits, unguessable so that ids leak nothing.
 */
public final class IdSource {
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final int RANDOM_CHARACTERS = 28;

    private final RandomGenerator random;

    public IdSource(RandomGenerator random) {
        this.random = random;
    }

    public static IdSource secure() {
        return new IdSource(new SecureRandom());
    }

    /** A new id such as {@code btcal_3k9w...}: the prefix, an underscore, 28 random characters. */
    public String next(String prefix) {
        return prefix + "_" + randomText(RANDOM_CHARACTERS, ALPHABET);
    }

    /**
     * Random text of the given length from the given alphabet (at most 256 characters), every character equally
     * likely: bytes are drawn a text at a time, and a byte at or above the largest multiple of the alphabet's size is
     * dropped rather than folded in. One draw per text, not one per character: a SecureRandom synchronises on every
     * call, and a 10,000-recipient submit made 280,000 calls for its recipients' ids.
     */
    public String randomText(int length, char[] alphabet) {
        if (alphabet.length == 0 || alphabet.length > 256) {
            throw new IllegalArgumentException("an alphabet of 1 to 256 characters, not " + alphabet.length);
        }
        int limit = 256 - 256 % alphabet.length;
        var chars = new char[length];
        // A few spare bytes: with 36 characters one byte in 64 is dropped, so one draw nearly always suffices.
        var bytes = new byte[length + length / 4 + 4];
        int filled = 0;
        while (filled < length) {
            random.nextBytes(bytes);
            for (int i = 0; i < bytes.length && filled < length; i++) {
                int value = bytes[i] & 0xff;
                if (value < limit) {
                    chars[filled++] = alphabet[value % alphabet.length];
                }
            }
        }
        return new String(chars);
    }
}
