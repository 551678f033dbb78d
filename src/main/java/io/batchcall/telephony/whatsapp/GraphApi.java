package io.batchcall.telephony.whatsapp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The WhatsApp Cloud API calls batchcall makes, over plain HTTP with the account's bearer token: read a user's call
 * permission, send the permission-request template, connect a call with our SDP offer, terminate it. Nothing is
 * retried here: a connect whose answer is lost may have placed a call, so it comes back {@link Answer.Unavailable}
 * and the caller decides (it never dials again blindly).
 */
final class GraphApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Meta echoes {@code biz_opaque_callback_data} up to this length. */
    static final int MAX_OPAQUE_CHARS = 512;

    /** What Meta answered. */
    sealed interface Answer {
        /** 2xx with JSON. */
        record Ok(JsonNode body) implements Answer {}

        /**
         * Meta refused, with its error shape ({@code error.code}, {@code error.message},
         * {@code error.error_data.details}): nothing was done.
         */
        record Refused(int httpStatus, int code, String message, Optional<String> details) implements Answer {
            String describe() {
                return "WhatsApp error " + code + " (HTTP " + httpStatus + "): " + message
                        + details.map(d -> " - " + d).orElse("");
            }
        }

        /** No answer, a timeout, or a 5xx without Meta's error: whether Meta acted is unknown. */
        record Unavailable(String reason) implements Answer {}
    }

    /** A user's permission as {@code GET call_permissions} reads it. */
    record Permission(String status, Optional<Instant> expiresAt, Action sendRequest, Action startCall) {
        boolean granted() {
            return status.equals("temporary") || status.equals("permanent");
        }
    }

    /** Whether an action may be taken now, and when a used-up limit of it frees up. */
    record Action(boolean allowed, Optional<Instant> limitUntil) {}

    private final HttpClient http;
    private final String baseUrl;
    private final Duration timeout;

    GraphApi(HttpClient http, String baseUrl, Duration timeout) {
        this.http = http;
        this.baseUrl = baseUrl.replaceAll("/+$", "");
        this.timeout = timeout;
    }

    Answer permission(WhatsAppAccount account, String userWaId) {
        return send(request(account, "/call_permissions?user_wa_id=" + encode(userWaId))
                .GET()
                .build());
    }

    Answer sendTemplate(WhatsAppAccount account, String to, String template, String languageCode) {
        var body = JSON.createObjectNode()
                .put("messaging_product", "whatsapp")
                .put("recipient_type", "individual")
                .put("to", to)
                .put("type", "template");
        var tpl = body.putObject("template").put("name", template);
        tpl.putObject("language").put("code", languageCode);
        return post(account, "/messages", body);
    }

    Answer connect(WhatsAppAccount account, String to, String sdpOffer, String opaque) {
        var body = JSON.createObjectNode()
                .put("messaging_product", "whatsapp")
                .put("to", to)
                .put("action", "connect");
        body.putObject("session").put("sdp_type", "offer").put("sdp", sdpOffer);
        body.put(
                "biz_opaque_callback_data",
                opaque.length() > MAX_OPAQUE_CHARS ? opaque.substring(0, MAX_OPAQUE_CHARS) : opaque);
        return post(account, "/calls", body);
    }

    Answer terminate(WhatsAppAccount account, String callId) {
        var body = JSON.createObjectNode()
                .put("messaging_product", "whatsapp")
                .put("call_id", callId)
                .put("action", "terminate");
        return post(account, "/calls", body);
    }

    /** Reads a {@code call_permissions} answer; the expiry is {@code expiration_time} or (as the table says) {@code expiration}. */
    static Permission permission(JsonNode body) {
        var permission = body.path("permission");
        var expiry =
                permission.has("expiration_time") ? permission.path("expiration_time") : permission.path("expiration");
        Action send = new Action(false, Optional.empty());
        Action start = new Action(false, Optional.empty());
        for (var action : body.path("actions")) {
            var parsed = new Action(action.path("can_perform_action").asBoolean(false), limitUntil(action));
            switch (action.path("action_name").asText("")) {
                case "send_call_permission_request" -> send = parsed;
                case "start_call" -> start = parsed;
                default -> {}
            }
        }
        return new Permission(permission.path("status").asText("no_permission"), epoch(expiry), send, start);
    }

    /** The latest {@code limit_expiration_time} of an action's used-up limits. */
    private static Optional<Instant> limitUntil(JsonNode action) {
        Optional<Instant> latest = Optional.empty();
        for (var limit : action.path("limits")) {
            var at = epoch(limit.path("limit_expiration_time"));
            if (at.isPresent() && (latest.isEmpty() || at.get().isAfter(latest.get()))) {
                latest = at;
            }
        }
        return latest;
    }

    private static Optional<Instant> epoch(JsonNode value) {
        if (value.isNumber() || (value.isTextual() && value.asText().matches("\\d{1,12}"))) {
            return Optional.of(Instant.ofEpochSecond(value.asLong()));
        }
        return Optional.empty();
    }

    private Answer post(WhatsAppAccount account, String path, ObjectNode body) {
        return send(request(account, path)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build());
    }

    private HttpRequest.Builder request(WhatsAppAccount account, String path) {
        return HttpRequest.newBuilder(URI.create(
                        baseUrl + "/" + encode(account.graphVersion()) + "/" + encode(account.phoneNumberId()) + path))
                .timeout(timeout)
                .header("Authorization", "Bearer " + account.accessToken())
                .header("Accept", "application/json");
    }

    private Answer send(HttpRequest request) {
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return new Answer.Unavailable("no answer from Meta: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer.Unavailable("interrupted while waiting for Meta");
        }
        return answer(response.statusCode(), response.body());
    }

    static Answer answer(int status, String body) {
        JsonNode json;
        try {
            json = JSON.readTree(body == null || body.isBlank() ? "{}" : body);
        } catch (IOException e) {
            json = JSON.createObjectNode();
        }
        if (status >= 200 && status < 300) {
            return json.isObject() && !json.has("error")
                    ? new Answer.Ok(json)
                    // A 2xx we cannot read still means Meta acted: what it did is what is unknown.
                    : new Answer.Unavailable("Meta answered " + status + " with a body that is not its JSON");
        }
        var error = json.path("error");
        if (error.path("code").canConvertToInt() && error.path("code").asInt() != 0) {
            // Meta's own error, whatever the status (138004 and 138007 come as 500): it says what happened.
            var details = Optional.of(error.path("error_data").path("details").asText(""))
                    .filter(d -> !d.isBlank());
            return new Answer.Refused(
                    status, error.path("code").asInt(), error.path("message").asText(""), details);
        }
        if (status >= 400 && status < 500) {
            return new Answer.Refused(status, 0, "HTTP " + status, Optional.empty());
        }
        return new Answer.Unavailable("Meta answered HTTP " + status);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
