package io.batchcall.api;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Twilio's {@code X-Twilio-Signature}: Base64 of HMAC-SHA1, keyed by the account's auth token, over the full URL
 * Twilio called followed by every POST parameter's name and value, sorted by name (telephony.md 2.4).
 */
final class TwilioSignature {
    private TwilioSignature() {}

    static String of(String url, Map<String, List<String>> params, String authToken) {
        var message = new StringBuilder(url);
        new TreeMap<>(params)
                .forEach((name, values) -> values.stream()
                        .sorted()
                        .forEach(value -> message.append(name).append(value)));
        try {
            var mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(authToken.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            return Base64.getEncoder()
                    .encodeToString(mac.doFinal(message.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA1 is part of every JDK", e);
        }
    }

    /** Whether {@code presented} signs these parameters at this URL, compared in constant time. */
    static boolean valid(String url, Map<String, List<String>> params, String authToken, String presented) {
        return MessageDigest.isEqual(
                of(url, params, authToken).getBytes(StandardCharsets.UTF_8),
                presented.getBytes(StandardCharsets.UTF_8));
    }
}
