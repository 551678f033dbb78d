package io.batchcall.telephony.exotel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.batchcall.domain.Provider;
import io.batchcall.telephony.DialCheck;
import io.batchcall.telephony.RequestBudget;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Exotel's Voice v1 Calls resource over plain HTTP, JSON flavour ({@code .json}; the default is XML). Every
 * request first waits for its account's next request slot, so that all nodes together stay within the account's
 * limit. Nothing is retried except a request Exotel refused with 429: a timeout or a 5xx may hide a call that
 * exists, so it is reported as {@link Response.Unavailable} and left to the caller to look up.
 */
final class ExotelApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The status of a {@link Response.Refused} that never left this node. */
    static final int NOT_SENT = 0;

    /** What Exotel answered. */
    sealed interface Response {
        /** 2xx with JSON. */
        record Ok(JsonNode body) implements Response {}

        /** 4xx: Exotel refused the request, so it did nothing. */
        record Refused(int httpStatus, String message) implements Response {}

        /** No answer, a timeout or a 5xx: whether Exotel acted on the request is unknown. */
        record Unavailable(String reason) implements Response {}

        /** Not sent: the account's next request slot is further ahead than this request may wait. */
        record NoSlot() implements Response {}

        /** Not sent: while it waited (for its slot, or after a 429) the dial stopped being wanted. */
        record Withdrawn() implements Response {}
    }

    private final HttpClient http;
    /** Replaces every number's {@code https://{api_subdomain}} (a fake in tests); empty in production. */
    private final Optional<String> apiBase;

    private final ExotelLimits limits;
    private final RequestBudget budget;
    private final Clock clock;

    ExotelApi(HttpClient http, Optional<String> apiBase, ExotelLimits limits, RequestBudget budget, Clock clock) {
        this.http = http;
        this.apiBase = apiBase;
        this.limits = limits;
        this.budget = budget;
        this.clock = clock;
    }

    /** A look-up waits for its slot however far ahead: it places nothing, and the sweep asks again anyway. */
    private static final Duration LOOK_UP_SLOT_WAIT = Duration.ofDays(1);

    Response connect(ExotelAccount account, List<Map.Entry<String, String>> form, DialCheck stillToDial) {
        return send(
                account,
                limits.dialSlotWait(),
                stillToDial,
                () -> request(account, calls(account) + "/connect.json")
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(formEncode(form)))
                        .build());
    }

    Response details(ExotelAccount account, String callSid) {
        return send(
                account,
                LOOK_UP_SLOT_WAIT,
                DialCheck.ALWAYS,
                () -> request(account, calls(account) + "/" + encode(callSid) + ".json")
                        .GET()
                        .build());
    }

    Response list(ExotelAccount account, List<Map.Entry<String, String>> query) {
        return send(
                account,
                LOOK_UP_SLOT_WAIT,
                DialCheck.ALWAYS,
                () -> request(account, calls(account) + ".json?" + formEncode(query))
                        .GET()
                        .build());
    }

    private String calls(ExotelAccount account) {
        return apiBase.orElse("https://" + account.subdomain()) + "/v1/Accounts/" + encode(account.sid()) + "/Calls";
    }

    private HttpRequest.Builder request(ExotelAccount account, String url) {
        var basic = Base64.getEncoder()
                .encodeToString((account.apiKey() + ":" + account.apiToken()).getBytes(StandardCharsets.UTF_8));
        return HttpRequest.newBuilder(URI.create(url))
                .timeout(limits.requestTimeout())
                .header("Authorization", "Basic " + basic)
                .header("Accept", "application/json");
    }

    /**
     * Sends once in the account's next slot, and again only after a 429 (in a later slot, no sooner than
     * Retry-After), up to the configured retries. A request that waited asks {@code stillToDial} before it goes:
     * Exotel cannot cancel a call once connected, so a cancel made during the wait must stop it here.
     */
    private Response send(
            ExotelAccount account, Duration slotWait, DialCheck stillToDial, Supplier<HttpRequest> request) {
        for (int attempt = 0; ; attempt++) {
            try {
                var slot = budget.reserve(Provider.EXOTEL, account.sid(), limits.spacing(), slotWait);
                if (slot.isEmpty()) {
                    return new Response.NoSlot();
                }
                boolean waits = slot.get().isAfter(clock.instant());
                if (!awaitSlot(slot.get())) {
                    return new Response.Refused(NOT_SENT, "interrupted while waiting for the account's request slot");
                }
                if ((waits || attempt > 0) && !stillToDial.stillToDial()) {
                    return new Response.Withdrawn();
                }
            } catch (RuntimeException e) {
                // The pace lives in the database: without it nothing is sent, so nothing can be duplicated.
                return new Response.Refused(NOT_SENT, "the account's request slot could not be reserved: " + e);
            }
            HttpResponse<String> response;
            try {
                response = http.send(request.get(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                return new Response.Unavailable("no answer from Exotel: " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Response.Unavailable("interrupted while waiting for Exotel");
            }
            var answer = answer(response);
            if (response.statusCode() != 429 || attempt >= limits.rateLimitRetries()) {
                return answer;
            }
            if (!pause(retryAfter(response))) {
                return answer;
            }
        }
    }

    /** Waits for a reserved request slot; false when interrupted (nothing was sent). */
    private boolean awaitSlot(Instant slot) {
        var wait = Duration.between(clock.instant(), slot);
        return wait.isNegative() || wait.isZero() || pause(wait);
    }

    private static Response answer(HttpResponse<String> response) {
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            try {
                return new Response.Ok(JSON.readTree(response.body()));
            } catch (IOException e) {
                // A 2xx we cannot read still means Exotel acted: its result is what is unknown.
                return new Response.Unavailable("Exotel answered " + status + " with a body that is not JSON");
            }
        }
        if (status >= 400 && status < 500) {
            return new Response.Refused(status, errorMessage(response.body()).orElse("HTTP " + status));
        }
        return new Response.Unavailable("Exotel answered HTTP " + status);
    }

    /** Exotel's error body, {@code {"RestException":{"Status":..,"Message":..}}}, when there is one. */
    private static Optional<String> errorMessage(String body) {
        try {
            var error = JSON.readTree(body).path("RestException");
            return Optional.of(error.path("Message").asText("")).filter(message -> !message.isBlank());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Retry-After in seconds, capped; a second when absent or unreadable. */
    private Duration retryAfter(HttpResponse<String> response) {
        var wait = response.headers()
                .firstValue("Retry-After")
                .flatMap(value -> {
                    try {
                        return Optional.of(Duration.ofSeconds(Long.parseLong(value.strip())));
                    } catch (NumberFormatException e) {
                        return Optional.empty();
                    }
                })
                .orElse(Duration.ofSeconds(1));
        return wait.compareTo(limits.maxRetryAfter()) > 0 ? limits.maxRetryAfter() : wait;
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
