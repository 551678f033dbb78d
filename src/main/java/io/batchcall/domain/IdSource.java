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

    /** Random text of the given length from the given alphabet. */
    public String randomText(int length, char[] alphabet) {
        var chars = new char[length];
        for (int i = 0; i < length; i++) {
            chars[i] = alphabet[random.nextInt(alphabet.length)];
        }
        return new String(chars);
    }
}
