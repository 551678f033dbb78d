package io.batchcall.wire;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.domain.RetryPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Optional;

/**
 * Reads a retry policy as stored ({@link RetryPolicy#toJson()}, checked by the API before it was stored), for the
 * lifecycle that applies it when an attempt ends.
 */
public final class RetryPolicyJson {
    private RetryPolicyJson() {}

    public static RetryPolicy read(String json) {
        JsonNode node;
        try {
            node = WireJson.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a stored retry policy is JSON", e);
        }
        var retryOn = EnumSet.noneOf(RetryPolicy.Retried.class);
        node.path("retry_on")
                .forEach(name -> RetryPolicy.Retried.fromWire(name.asText()).ifPresent(retryOn::add));
        var delays = new EnumMap<RetryPolicy.Retried, Duration>(RetryPolicy.Retried.class);
        node.path("delay_seconds")
                .properties()
                .forEach(entry -> RetryPolicy.Retried.fromWire(entry.getKey())
                        .ifPresent(r -> delays.put(
                                r, Duration.ofSeconds(entry.getValue().asLong()))));
        var backoff = Optional.of(node.path("backoff"))
                .filter(JsonNode::isObject)
                .map(b -> new RetryPolicy.Backoff(
                        Duration.ofSeconds(b.path("initial_seconds").asLong()),
                        b.path("multiplier").asDouble(),
                        Duration.ofSeconds(b.path("max_seconds").asLong()),
                        b.path("jitter").asDouble()));
        var deadline = Optional.of(node.path("deadline_unix"))
                .filter(JsonNode::isNumber)
                .map(d -> Instant.ofEpochSecond(d.asLong()));
        return new RetryPolicy(node.path("max_attempts").asInt(1), retryOn, delays, backoff, deadline);
    }
}
