package io.batchcall.domain;

import java.time.Instant;
import java.util.Optional;

/**
 * The campaign rules a batch runs under, resolved at submit (its own, else its agent's default, else the
 * workspace's) and stored with it: the retry policy and the calling window as their normalised JSON, and the
 * window's expiry. Empty: one attempt, any time of day.
 */
public record BatchRules(
        Optional<String> retryPolicyJson, Optional<String> callingWindowJson, Optional<Instant> windowExpiresAt) {
    public static final BatchRules NONE = new BatchRules(Optional.empty(), Optional.empty(), Optional.empty());
}
