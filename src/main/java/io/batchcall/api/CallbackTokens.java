package io.batchcall.api;

import io.batchcall.domain.AttemptRef;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The unguessable token in each attempt's callback URL: an HMAC of the attempt with a server key, so that nothing
 * is stored and every node sharing the key accepts it. A token alone changes nothing (callbacks are signed too);
 * it keeps strangers from even reaching the signature check of an attempt.
 */
public final class CallbackTokens {
    static final String PATH = "/callbacks";

    private final SecretKeySpec key;
    private final Optional<String> publicUrl;

    public CallbackTokens(byte[] key, Optional<String> publicUrl) {
        this.key = new SecretKeySpec(key.clone(), "HmacSHA256");
        this.publicUrl = publicUrl;
    }

    /** The public URL a provider calls back about an attempt; empty without {@code BATCHCALL_PUBLIC_URL}. */
    public Optional<String> statusCallback(String provider, AttemptRef attempt) {
        return publicUrl.map(
                base -> url(base, provider, attempt.workspaceId().value(), attempt.attemptId(), token(attempt)));
    }

    /** The exact public URL of a callback as the provider called it: what its signature covers. */
    static String url(String publicBase, String provider, String workspaceId, String attemptId, String token) {
        return publicBase + PATH + "/" + provider + "/" + workspaceId + "/" + attemptId + "/" + token;
    }

    Optional<String> publicUrl() {
        return publicUrl;
    }

    String token(AttemptRef attempt) {
        try {
            var mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            var message = attempt.workspaceId().value() + "/" + attempt.attemptId();
            return Base64.getUrlEncoder()
                    .withoutPadding()
                    .encodeToString(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is part of every JDK", e);
        }
    }

    /** Whether {@code presented} is the attempt's token, compared in constant time. */
    boolean matches(AttemptRef attempt, String presented) {
        return MessageDigest.isEqual(
                token(attempt).getBytes(StandardCharsets.UTF_8), presented.getBytes(StandardCharsets.UTF_8));
    }
}
