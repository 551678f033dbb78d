package io.batchcall.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Receivers' verifiers, written from the published algorithms and independent of the signer: ElevenLabs' SDK
 * ({@code constructEvent}: first {@code t=}, first {@code v0=}, lowercase hex HMAC-SHA256 of {@code t.body} keyed with
 * the secret's UTF-8 bytes, at most 30 minutes old) and Standard Webhooks (HMAC-SHA256 of {@code id.t.body} keyed
 * with the base64-decoded secret after {@code whsec_}, any {@code v1} entry, within 5 minutes either way).
 */
final class Verifiers {
    private Verifiers() {}

    static boolean elevenLabsAccepts(String header, String body, String secret, long nowSeconds) throws Exception {
        if (header == null) {
            return false;
        }
        String timestamp = null;
        String signature = null;
        for (var part : header.split(",")) {
            if (timestamp == null && part.startsWith("t=")) {
                timestamp = part.substring(2);
            }
            if (signature == null && part.startsWith("v0=")) {
                signature = part;
            }
        }
        if (timestamp == null || signature == null) {
            return false;
        }
        if (Long.parseLong(timestamp) * 1000 < nowSeconds * 1000 - 30 * 60 * 1000) {
            return false;
        }
        var mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        var expected = "v0="
                + HexFormat.of().formatHex(mac.doFinal((timestamp + "." + body).getBytes(StandardCharsets.UTF_8)));
        return expected.equals(signature);
    }

    static boolean standardWebhooksAccepts(
            String id, String timestamp, String signatures, String body, String secret, long nowSeconds)
            throws Exception {
        if (id == null || timestamp == null || signatures == null) {
            return false;
        }
        if (Math.abs(nowSeconds - Long.parseLong(timestamp)) > 300) {
            return false;
        }
        var key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
        var mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        var expected = Base64.getDecoder()
                .decode(Base64.getEncoder()
                        .encodeToString(
                                mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8))));
        for (var entry : signatures.split(" ")) {
            var parts = entry.split(",", 2);
            if (parts.length == 2
                    && parts[0].equals("v1")
                    && MessageDigest.isEqual(Base64.getDecoder().decode(parts[1]), expected)) {
                return true;
            }
        }
        return false;
    }
}
