package io.batchcall.telephony.twilio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Twilio's Calls resource over plain HTTP. Nothing is retried except a request Twilio refused with 429 / 20429:
 * a timeout or a 5xx may hide a call that exists, so it is reported as {@link Response.Unavailable} and left to
 * the caller to look up.
 */
final class TwilioApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TOO_MANY_REQUESTS = 20429;
    /** The longest a Retry-After header may make a refused request wait. */
    private static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(5);

    /** What Twilio answered. */
    sealed interface Response {
        /** 2xx with the Call (or list of calls) as JSON. */
        record Ok(JsonNode body) implements Response {}

        /** 4xx: Twilio refused the request, so it did nothing; {@code code} is Twilio's error code when given. */
        record Refused(int httpStatus, int code, String message) implements Response {}

        /** No answer, a timeout or a 5xx: whether Twilio acted on the request is unknown. */
        record Unavailable(String reason) implements Response {}
    }

    private final HttpClient http;
    private final String apiBase;
    private final TwilioLimits limits;

    TwilioApi(HttpClient http, String apiBase, TwilioLimits limits) {
        this.http = http;
        this.apiBase = apiBase;
        this.limits = limits;
    }

    Response createCall(TwilioAccount account, List<Map.Entry<String, String>> form) {
        return post(account, calls(account) + ".json", form);
    }

    Response updateCall(TwilioAccount account, String callSid, List<Map.Entry<String, String>> form) {
        return post(account, calls(account) + "/" + encode(callSid) + ".json", form);
    }

    Response fetchCall(TwilioAccount account, String callSid) {
        return send(
                account,
                request(account, calls(account) + "/" + encode(callSid) + ".json")
                        .GET());
    }

    Response listCalls(TwilioAccount account, List<Map.Entry<String, String>> query) {
        return send(
                account,
                request(account, calls(account) + ".json?" + formEncode(query)).GET());
    }

    /**
     * A recording's MP3 as Twilio streams it; empty when Twilio has none under that id or cannot be reached. The
     * caller closes the stream.
     */
    Optional<InputStream> recording(TwilioAccount account, String recordingSid) {
        // From the region the call was placed in: Twilio stores a recording there.
        var url = account.apiBase(apiBase) + "/2010-04-01/Accounts/" + encode(account.sid()) + "/Recordings/"
                + encode(recordingSid) + ".mp3";
        try {
            var response = http.send(
                    request(account, url)
                            .setHeader("Accept", "audio/mpeg")
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() == 200) {
                return Optional.of(response.body());
            }
            response.body().close();
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private String calls(TwilioAccount account) {
        return account.apiBase(apiBase) + "/2010-04-01/Accounts/" + encode(account.sid()) + "/Calls";
    }

    private Response post(TwilioAccount account, String url, List<Map.Entry<String, String>> form) {
        return send(
                account,
                request(account, url)
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(formEncode(form))));
    }

    private HttpRequest.Builder request(TwilioAccount account, String url) {
        var basic = Base64.getEncoder()
                .encodeToString((account.sid() + ":" + account.token()).getBytes(StandardCharsets.UTF_8));
        return HttpRequest.newBuilder(URI.create(url))
                .timeout(limits.requestTimeout())
                .header("Authorization", "Basic " + basic)
                .header("Accept", "application/json");
    }

    /** Sends once, and again only after a 429, with a growing back-off, up to the configured retries. */
    private Response send(TwilioAccount account, HttpRequest.Builder builder) {
        var request = builder.build();
        var backoff = limits.firstRateLimitBackoff();
        for (int attempt = 0; ; attempt++) {
            HttpResponse<String> response;
            try {
                response = http.send(request, HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                return new Response.Unavailable("no answer from Twilio: " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Response.Unavailable("interrupted while waiting for Twilio");
            }
            var answer = answer(response);
            if (!(answer instanceof Response.Refused refused && isRateLimit(refused))
                    || attempt >= limits.rateLimitRetries()) {
                return answer;
            }
            var wait = retryAfter(response).orElse(backoff);
            if (!pause(wait)) {
                return answer;
            }
            backoff = backoff.multipliedBy(2);
        }
    }

    private static boolean isRateLimit(Response.Refused refused) {
        return refused.httpStatus() == 429 || refused.code() == TOO_MANY_REQUESTS;
    }

    private static Response answer(HttpResponse<String> response) {
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            try {
                return new Response.Ok(JSON.readTree(response.body()));
            } catch (IOException e) {
                // A 2xx we cannot read still means Twilio acted: its result is what is unknown.
                return new Response.Unavailable("Twilio answered " + status + " with a body that is not JSON");
            }
        }
        if (status >= 400 && status < 500) {
            var error = errorBody(response.body());
            return new Response.Refused(
                    status, error.path("code").asInt(0), error.path("message").asText("HTTP " + status));
        }
        return new Response.Unavailable("Twilio answered HTTP " + status);
    }

    private static JsonNode errorBody(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    private static Optional<Duration> retryAfter(HttpResponse<String> response) {
        return response.headers().firstValue("Retry-After").flatMap(value -> {
            try {
                var seconds = Duration.ofSeconds(Long.parseLong(value.strip()));
                return Optional.of(seconds.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : seconds);
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        });
    }

    private static boolean pause(Duration wait) {
        try {
            Thread.sleep(wait);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static String formEncode(List<Map.Entry<String, String>> fields) {
        return fields.stream()
                .map(field -> encode(field.getKey()) + "=" + encode(field.getValue()))
                .collect(Collectors.joining("&"));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
