package io.batchcall.support;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.api.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Plays Meta: imports a WhatsApp account with known secrets, builds the webhook payloads Meta sends for business
 * calls (shapes from the reference, whatsapp-calling.md 1.2 and 1.5) and posts them to a server, signed with the
 * account's app secret as Meta signs (HMAC-SHA256 over the raw bytes), or forged.
 */
public final class MetaWebhooks {
    public static final String APP_SECRET = "meta-app-secret-for-tests";
    public static final String VERIFY_TOKEN = "meta-verify-token-for-tests";
    public static final String ACCESS_TOKEN = "EAAG-access-token-for-tests";
    public static final String BUSINESS_ACCOUNT_ID = "102290129340398";
    public static final String PATH = "/v1/batchcall/whatsapp/webhooks/";

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final int port;

    public MetaWebhooks(TestServer server) {
        this.port = server.port();
    }

    /** Imports account {@code phoneNumberId} with this class's secrets, assigned to {@code agentId} unless null. */
    public static HttpResult importAccount(ApiClient client, String phoneNumberId, String agentId) {
        return client.post("/v1/batchcall/whatsapp-accounts", """
                {"phone_number_id":"%s","phone_number":"+14155550123","business_account_id":"%s",
                 "business_account_name":"Acme","phone_number_name":"Acme Support","access_token":"%s",
                 "app_secret":"%s","verify_token":"%s"%s}""".formatted(
                        phoneNumberId,
                        BUSINESS_ACCOUNT_ID,
                        ACCESS_TOKEN,
                        APP_SECRET,
                        VERIFY_TOKEN,
                        agentId == null ? "" : ",\"assigned_agent_id\":\"" + agentId + "\""));
    }

    /** The {@code connect} of a call we placed: the user's side answered with {@code sdp}. */
    public static String connect(String phoneNumberId, String callId, String user, String sdp) {
        return calls(phoneNumberId, """
                "contacts":[{"profile":{"name":"User"},"wa_id":"%s"}],
                "calls":[{"id":"%s","to":"%s","from":"15550001234","event":"connect","timestamp":"1767168000",
                          "direction":"BUSINESS_INITIATED","biz_opaque_callback_data":"attempt-1",
                          "session":{"sdp_type":"answer","sdp":%s}}]""".formatted(user, callId, user, quoted(sdp)));
    }

    /** A call status: {@code RINGING}, {@code ACCEPTED} or {@code REJECTED}. */
    public static String status(String phoneNumberId, String callId, String user, String status) {
        return calls(phoneNumberId, """
                "statuses":[{"id":"%s","type":"call","status":"%s","timestamp":"1767168001",
                             "recipient_id":"%s","biz_opaque_callback_data":"attempt-1"}]""".formatted(callId, status, user));
    }

    /** A {@code terminate} COMPLETED: with the times and duration when picked up, without when it was not. */
    public static String completed(String phoneNumberId, String callId, String user, Long durationSeconds) {
        var talked = durationSeconds == null
                ? ""
                : ",\"start_time\":\"1767168002\",\"end_time\":\"%d\",\"duration\":%d"
                        .formatted(1767168002L + durationSeconds, durationSeconds);
        return calls(phoneNumberId, """
                "calls":[{"id":"%s","to":"%s","from":"15550001234","event":"terminate",
                          "direction":"BUSINESS_INITIATED","timestamp":"1767168100",
                          "biz_opaque_callback_data":"attempt-1","status":"COMPLETED"%s}]""".formatted(callId, user, talked));
    }

    /** A {@code terminate} FAILED with Meta's error beside the call ({@code value.errors}). */
    public static String failed(String phoneNumberId, String callId, String user, int code, String details) {
        return calls(phoneNumberId, """
                "calls":[{"id":"%s","to":"%s","from":"15550001234","event":"terminate",
                          "direction":"BUSINESS_INITIATED","timestamp":"1767168100","status":"FAILED"}],
                "errors":[{"code":%d,"message":"Call failed","href":"https://developers.facebook.com/docs",
                           "error_data":{"details":"%s"}}]""".formatted(callId, user, code, details));
    }

    /**
     * A {@code call_permission_reply}: {@code response} accept or reject; {@code requestId} the wamid of our
     * request (null: none, as for a grant from the business profile or an automatic revoke); {@code expiration}
     * epoch seconds (null: none, as for a permanent grant).
     */
    public static String permissionReply(
            String phoneNumberId,
            String messageId,
            String user,
            String requestId,
            String response,
            boolean permanent,
            Long expiration,
            boolean automatic) {
        var context = requestId == null ? "" : "\"context\":{\"from\":\"15550001234\",\"id\":\"" + requestId + "\"},";
        var expiry = expiration == null ? "" : ",\"expiration_timestamp\":\"" + expiration + "\"";
        return envelope(phoneNumberId, "messages", """
                "messages":[{"from":"%s","id":"%s","timestamp":"1767168000",%s
                  "type":"interactive",
                  "interactive":{"type":"call_permission_reply","call_permission_reply":{"response":"%s",
                    "is_permanent":%s%s,"response_source":"%s"}}}]""".formatted(
                user, messageId, context, response, permanent, expiry, automatic ? "automatic" : "user_action"));
    }

    private static String calls(String phoneNumberId, String value) {
        return envelope(phoneNumberId, "calls", value);
    }

    private static String envelope(String phoneNumberId, String field, String value) {
        return """
                {"object":"whatsapp_business_account","entry":[{"id":"%s","changes":[{"field":"%s","value":{
                 "messaging_product":"whatsapp",
                 "metadata":{"display_phone_number":"15550001234","phone_number_id":"%s"},
                 %s}}]}]}""".formatted(BUSINESS_ACCOUNT_ID, field, phoneNumberId, value);
    }

    /** Posts {@code body} as Meta would: its UTF-8 bytes, signed with the test app secret. */
    public HttpResult post(String phoneNumberId, String body) {
        var bytes = body.getBytes(StandardCharsets.UTF_8);
        return post(phoneNumberId, bytes, signature(APP_SECRET, bytes));
    }

    /** Posts {@code body} signed with another secret: what a forger without the app secret can do. */
    public HttpResult postForged(String phoneNumberId, String body) {
        var bytes = body.getBytes(StandardCharsets.UTF_8);
        return post(phoneNumberId, bytes, signature("not-the-app-secret", bytes));
    }

    /** Posts raw bytes with {@code signatureHeader} as X-Hub-Signature-256 (none when null). */
    public HttpResult post(String phoneNumberId, byte[] body, String signatureHeader) {
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + PATH + phoneNumberId))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (signatureHeader != null) {
            request.header("X-Hub-Signature-256", signatureHeader);
        }
        return send(request);
    }

    /** Meta's subscription handshake. */
    public HttpResult verify(String phoneNumberId, String mode, String token, String challenge) {
        var query = "hub.mode=" + encode(mode) + "&hub.verify_token=" + encode(token) + "&hub.challenge="
                + encode(challenge);
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + PATH + phoneNumberId + "?" + query))
                .timeout(Duration.ofSeconds(30))
                .GET());
    }

    /** {@code sha256=} and the lowercase hex HMAC-SHA256 of {@code body} under {@code secret}. */
    public static String signature(String secret, byte[] body) {
        try {
            var mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The parsed JSON of a payload built here (for parser tests). */
    public static JsonNode tree(String payload) {
        try {
            return Json.MAPPER.readTree(payload);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String quoted(String text) {
        try {
            return Json.MAPPER.writeValueAsString(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static HttpResult send(HttpRequest.Builder request) {
        try {
            var response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new HttpResult(response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
