package io.batchcall.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Encrypts provider credentials at rest with AES-256-GCM. Each value gets a fresh 96-bit nonce, stored in front
 * of the ciphertext; the authentication tag makes any tampering fail loudly instead of decrypting to garbage.
 */
public final class CredentialCipher {
    private static final Logger log = LoggerFactory.getLogger(CredentialCipher.class);
    static final String KEY_FILE = "secret.key";
    private static final int KEY_BYTES = 32;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKeySpec key;
    private final SecureRandom random = new SecureRandom();

    public CredentialCipher(byte[] key) {
        if (key.length != KEY_BYTES) {
            throw new IllegalArgumentException("an AES-256 key has " + KEY_BYTES + " bytes");
        }
        this.key = new SecretKeySpec(key.clone(), "AES");
    }

    /**
     * The configured key, or the one kept in {@code dataDirectory/secret.key}, created on first use with
     * owner-only permissions. Losing that file makes stored credentials unreadable: the README says to back it up.
     */
    public static CredentialCipher fromConfiguredOrStoredKey(Optional<byte[]> configured, Path dataDirectory) {
        return new CredentialCipher(configured.orElseGet(() -> storedKey(dataDirectory.resolve(KEY_FILE))));
    }

    private static byte[] storedKey(Path file) {
        try {
            if (Files.exists(file)) {
                var key = Base64.getDecoder().decode(Files.readString(file).strip());
                if (key.length != KEY_BYTES) {
                    throw new IllegalStateException(file + " does not hold a " + KEY_BYTES + "-byte base64 key");
                }
                return key;
            }
            Files.createDirectories(file.getParent());
            var key = new byte[KEY_BYTES];
            new SecureRandom().nextBytes(key);
            var temporary = Files.createTempFile(
                    file.getParent(),
                    "secret",
                    ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(temporary, Base64.getEncoder().encodeToString(key) + "\n");
            Files.move(temporary, file);
            log.info("Secret key generated file={} (back it up: stored credentials cannot be read without it)", file);
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read or create the secret key " + file, e);
        }
    }

    /**
     * A key for another purpose (signing callback tokens, say), derived from this one with HMAC-SHA256, so that
     * every node sharing the secret key derives the same one and nothing more needs storing or configuring.
     */
    public byte[] derivedKey(String purpose) {
        try {
            var mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getEncoded(), "HmacSHA256"));
            return mac.doFinal(("batchcall derived key: " + purpose).getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is part of every JDK", e);
        }
    }

    public byte[] encrypt(byte[] plaintext) {
        var nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            var cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            var sealed = cipher.doFinal(plaintext);
            return ByteBuffer.allocate(NONCE_BYTES + sealed.length)
                    .put(nonce)
                    .put(sealed)
                    .array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is part of every JDK", e);
        }
    }

    /** @throws IllegalStateException when the value was not sealed with this key or was altered */
    public byte[] decrypt(byte[] sealed) {
        if (sealed.length < NONCE_BYTES) {
            throw new IllegalStateException("an encrypted value is too short to hold its nonce");
        }
        try {
            var cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE_BYTES));
            return cipher.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(
                    "an encrypted credential could not be decrypted: wrong" + " BATCHCALL_SECRET_KEY or altered data",
                    e);
        }
    }
}
