package io.batchcall.webhooks;

import io.batchcall.domain.WebhookSecret;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The signature headers of one attempt, computed over the exact body bytes sent and the attempt's own timestamp
 * (so that a retry after ElevenLabs' 30-minute tolerance still verifies).
 * <ul>
 * <li>{@code ElevenLabs-Signature: t=<unix s>,v0=<lowercase hex HMAC-SHA256(secret UTF-8, "t.body")>}: exactly one
 * {@code v0}, because ElevenLabs' JS SDK reads the first and its Python SDK the last. During a rotation it is made
 * with the previous secret, which receivers still hold until they switch.</li>
 * <li>Standard Webhooks: {@code webhook-id}, {@code webhook-timestamp} and {@code webhook-signature:
 * v1,<base64 HMAC-SHA256(decoded secret, "id.t.body")>}, with a second {@code v1} entry for the previous secret
 * during a rotation (verifiers accept any matching entry).</li>
 * </ul>
 */
public final class WebhookSigner {
    private WebhookSigner() {}

    public static Map<String, String> headers(
            String eventId, long timestamp, String body, WebhookSecret secret, Optional<WebhookSecret> previous) {
        var headers = new LinkedHashMap<String, String>();
        var elevenLabsKey = previous.orElse(secret).value().getBytes(StandardCharsets.UTF_8);
        headers.put(
                "ElevenLabs-Signature",
                "t=" + timestamp + ",v0=" + HexFormat.of().formatHex(hmac(elevenLabsKey, timestamp + "." + body)));
        headers.put("webhook-id", eventId);
        headers.put("webhook-timestamp", Long.toString(timestamp));
        var signed = eventId + "." + timestamp + "." + body;
        var signature = new StringBuilder("v1," + base64(hmac(secret.standardWebhooksKey(), signed)));
        previous.ifPresent(old -> signature.append(" v1,").append(base64(hmac(old.standardWebhooksKey(), signed))));
        headers.put("webhook-signature", signature.toString());
        return headers;
    }

    private static String base64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static byte[] hmac(byte[] key, String message) {
        try {
            var mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is part of every JDK", e);
        }
    }
}
