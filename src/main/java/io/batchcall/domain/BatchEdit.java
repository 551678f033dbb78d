package io.batchcall.domain;

import java.time.Instant;
import java.util.Optional;

/**
 * The changes {@code PATCH} makes to a batch, each empty when not asked for. {@code targetConcurrencyLimit} is
 * present when the request named it, and then holds the new limit or nothing (the limit is cleared);
 * {@code retryPolicyJson} likewise (the normalised policy, or nothing: no more automatic retries).
 */
public record BatchEdit(
        Optional<String> name,
        Optional<Optional<Integer>> targetConcurrencyLimit,
        Optional<Instant> scheduledAt,
        Optional<Integer> ringingTimeoutSecs,
        Optional<Optional<String>> retryPolicyJson) {
    public BatchEdit(
            Optional<String> name,
            Optional<Optional<Integer>> targetConcurrencyLimit,
            Optional<Instant> scheduledAt,
            Optional<Integer> ringingTimeoutSecs) {
        this(name, targetConcurrencyLimit, scheduledAt, ringingTimeoutSecs, Optional.empty());
    }
}
