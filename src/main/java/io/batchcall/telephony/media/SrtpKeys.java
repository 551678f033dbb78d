package io.batchcall.telephony.media;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

/**
 * One side's SDES master key (128 bits) and master salt (112 bits) for AES_CM_128_HMAC_SHA1_80, as an SDP
 * {@code a=crypto} line carries them: {@code inline:} and base64 of the key then the salt (RFC 4568 §6.1). Each
 * side protects what it sends with its own keys; the offer carries ours, the answer theirs.
 */
public record SrtpKeys(byte[] masterKey, byte[] masterSalt) {
    public static final String SUITE = "AES_CM_128_HMAC_SHA1_80";
    public static final int KEY_BYTES = 16;
    public static final int SALT_BYTES = 14;

    public SrtpKeys {
        if (masterKey.length != KEY_BYTES || masterSalt.length != SALT_BYTES) {
            throw new IllegalArgumentException("an AES_CM_128 master key is 16 bytes and its salt 14");
        }
        masterKey = masterKey.clone();
        masterSalt = masterSalt.clone();
    }

    public static SrtpKeys generate(SecureRandom random) {
        var bytes = new byte[KEY_BYTES + SALT_BYTES];
        random.nextBytes(bytes);
        return ofKeyAndSalt(bytes);
    }

    /** The base64 after {@code inline:}, without lifetime or MKI. */
    public String inline() {
        var bytes = new byte[KEY_BYTES + SALT_BYTES];
        System.arraycopy(masterKey, 0, bytes, 0, KEY_BYTES);
        System.arraycopy(masterSalt, 0, bytes, KEY_BYTES, SALT_BYTES);
        return Base64.getEncoder().encodeToString(bytes);
    }

    /**
     * The keys of an {@code inline:} value: base64, then optionally {@code |lifetime} (accepted: we never send
     * 2^31 packets in a call) and {@code |MKI:length} (refused: MKIs are for rekeying, which nobody we talk to does).
     */
    public static SrtpKeys ofInline(String inline) {
        var parts = inline.split("\\|");
        if (parts.length > 2) {
            throw new SdpException("a=crypto with an MKI is not supported: " + inline);
        }
        if (parts.length == 2 && parts[1].contains(":")) {
            throw new SdpException("a=crypto with an MKI is not supported: " + inline);
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(parts[0]);
        } catch (IllegalArgumentException e) {
            throw new SdpException("a=crypto key is not base64: " + parts[0]);
        }
        if (bytes.length != KEY_BYTES + SALT_BYTES) {
            throw new SdpException("a=crypto key for " + SUITE + " must be 30 bytes, got " + bytes.length);
        }
        return ofKeyAndSalt(bytes);
    }

    private static SrtpKeys ofKeyAndSalt(byte[] bytes) {
        return new SrtpKeys(
                Arrays.copyOfRange(bytes, 0, KEY_BYTES), Arrays.copyOfRange(bytes, KEY_BYTES, KEY_BYTES + SALT_BYTES));
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SrtpKeys keys
                && Arrays.equals(masterKey, keys.masterKey)
                && Arrays.equals(masterSalt, keys.masterSalt);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(masterKey) + Arrays.hashCode(masterSalt);
    }

    /** Never the key itself: these are secrets. */
    @Override
    public String toString() {
        return "SrtpKeys[" + SUITE + "]";
    }
}
