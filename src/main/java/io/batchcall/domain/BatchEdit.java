package io.batchcall.domain;

import java.time.Instant;
import java.util.Optional;

/**
 * The changes {@code PATCH} makes to a batch, each empty when not asked for. {@code targetConcurrencyLimit} is
 * present when the request named it, and then holds the new limit or nothing (the limit is cleared);
 * {@code callingWindow} likewise holds the new window (normalised JSON, with its expiry) or nothing (no window).
 */
public record BatchEdit(
        Optional<String> name,
        Optional<Optional<Integer>> targetConcurrencyLimit,
        Optional<Instant> scheduledAt,
        Optional<Integer> ringingTimeoutSecs,
        Optional<Optional<WindowChange>> callingWindow) {

    /** A batch's new calling window: its stored JSON and its expiry, for the expiry sweep's column. */
    public record WindowChange(String json, Optional<Instant> expiresAt) {}

    /** An edit that leaves the calling window as it is. */
    public BatchEdit(
            Optional<String> name,
            Optional<Optional<Integer>> targetConcurrencyLimit,
            Optional<Instant> scheduledAt,
            Optional<Integer> ringingTimeoutSecs) {
        this(name, targetConcurrencyLimit, scheduledAt, ringingTimeoutSecs, Optional.empty());
    }
}
