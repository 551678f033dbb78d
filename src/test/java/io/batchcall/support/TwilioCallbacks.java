package io.batchcall.support;

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
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Plays Twilio's side of status callbacks: form POSTs to the StatusCallback URL a create request carried, signed
 * as Twilio signs them (written here independently of the server's verifier, so that both must agree with
 * Twilio's documented algorithm). The URL is public (the signature covers it); the request goes to the server on
 * loopback, as a TLS-terminating proxy would forward it.
 */
public final class TwilioCallbacks {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String publicUrl;
    private final int serverPort;
    private final String authToken;

    public TwilioCallbacks(String publicUrl, int serverPort, String authToken) {
        this.publicUrl = publicUrl;
        this.serverPort = serverPort;
        this.authToken = authToken;
    }

    /** Sends one signed status callback for a created call; returns the HTTP status. */
    public int status(FakeTwilio.Sent create, int sequence, String callStatus, Map<String, String> extra) {
        var params = new LinkedHashMap<String, String>();
        params.put("AccountSid", FakeTwilio.ACCOUNT);
        params.put("ApiVersion", "2010-04-01");
        params.put("CallSid", create.sid());
        params.put("CallStatus", callStatus);
        params.put("CallbackSource", "call-progress-events");
        params.put("Direction", "outbound-api");
        params.put("From", create.field("From"));
        params.put("To", create.field("To"));
        params.put("SequenceNumber", Integer.toString(sequence));
        params.putAll(extra);
        return send(create.field("StatusCallback"), params, sign(create.field("StatusCallback"), params, authToken));
    }

    /** Posts form parameters to a callback URL with the given signature (null: no signature header). */
    public int send(String callbackUrl, Map<String, String> params, String signature) {
        if (!callbackUrl.startsWith(publicUrl)) {
            throw new AssertionError("callback URL " + callbackUrl + " is not under " + publicUrl);
        }
        var local = "http://127.0.0.1:" + serverPort + callbackUrl.substring(publicUrl.length());
        var body = params.entrySet().stream()
                .map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
                .collect(Collectors.joining("&"));
        var request = HttpRequest.newBuilder(URI.create(local))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (signature != null) {
            request.header("X-Twilio-Signature", signature);
        }
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Base64(HMAC-SHA1(token, url + each parameter's name and value, by name)), Twilio's algorithm. */
    public static String sign(String url, Map<String, String> params, String authToken) {
        var data = url
                + new TreeMap<>(params)
                        .entrySet().stream().map(e -> e.getKey() + e.getValue()).collect(Collectors.joining());
        try {
            var mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(authToken.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            return Base64.getEncoder().encodeToString(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
