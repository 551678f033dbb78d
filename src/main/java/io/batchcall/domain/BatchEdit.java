package io.batchcall.domain;

import java.time.Instant;
import java.util.Optional;

/**
 * The changes {@code PATCH} makes to a batch, each empty when not asked for. {@code targetConcurrencyLimit} is
 * present when the request named it, and then holds the new limit or nothing (the limit is cleared);
 * {@code callingWindow} likewise holds the new window (normalised JSON, with its expiry) or nothing (no window),
 * and {@code retryPolicyJson} the normalised policy or nothing (no more automatic retries).
 */
public record BatchEdit(
        Optional<String> name,
        Optional<Optional<Integer>> targetConcurrencyLimit,
        Optional<Instant> scheduledAt,
        Optional<Integer> ringingTimeoutSecs,
        Optional<Optional<WindowChange>> callingWindow,
        Optional<Optional<String>> retryPolicyJson) {

    /** True when nothing is asked for ({@code {}}, or only nulls where null means "keep"). */
    public boolean changesNothing() {
        return name.isEmpty()
                && targetConcurrencyLimit.isEmpty()
                && scheduledAt.isEmpty()
                && ringingTimeoutSecs.isEmpty()
                && callingWindow.isEmpty()
                && retryPolicyJson.isEmpty();
    }

    /** A batch's new calling window: its stored JSON and its expiry, for the expiry sweep's column. */
    public record WindowChange(String json, Optional<Instant> expiresAt) {}

    /** An edit that leaves the campaign rules as they are. */
    public BatchEdit(
            Optional<String> name,
            Optional<Optional<Integer>> targetConcurrencyLimit,
            Optional<Instant> scheduledAt,
            Optional<Integer> ringingTimeoutSecs) {
        this(name, targetConcurrencyLimit, scheduledAt, ringingTimeoutSecs, Optional.empty(), Optional.empty());
    }
}
