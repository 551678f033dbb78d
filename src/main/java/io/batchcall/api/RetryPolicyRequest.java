package io.batchcall.api;

import io.batchcall.domain.RetryPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

/**
 * Reads a {@code retry_policy} object (on submit, on PATCH of a batch, or as a workspace or agent default), every
 * mistake reported at its loc: {@code max_attempts} 1..20, {@code retry_on} from busy, no_answer, failed,
 * voicemail, interrupted, then either {@code delay_seconds} per outcome or {@code backoff}, and an optional
 * {@code deadline_unix}.
 */
final class RetryPolicyRequest {
    private static final long MAX_DELAY_SECONDS = 30L * 24 * 3600;

    private RetryPolicyRequest() {}

    /** The policy in {@code policy}; empty (with violations recorded in the reader) when it is not valid. */
    static Optional<RetryPolicy> read(JsonBody policy, Instant now) {
        return read(policy, Optional.of(now));
    }

    /**
     * As above; without {@code now} a deadline in the past is taken as given (on PATCH it just stops further
     * retries).
     */
    static Optional<RetryPolicy> read(JsonBody policy, Optional<Instant> now) {
        var maxAttempts = policy.optionalInt("max_attempts");
        if (policy.raw("max_attempts").isEmpty()) {
            policy.violate("max_attempts", "Field required", "missing");
        }
        policy.atLeast("max_attempts", maxAttempts, 1);
        policy.atMost("max_attempts", maxAttempts, RetryPolicy.MAX_ATTEMPTS);
        var retryOn = EnumSet.noneOf(RetryPolicy.Retried.class);
        var names = policy.optionalTextList("retry_on");
        names.ifPresentOrElse(
                list -> {
                    for (int i = 0; i < list.size(); i++) {
                        var retried = RetryPolicy.Retried.fromWire(list.get(i));
                        if (retried.isEmpty()) {
                            policy.violateAt(
                                    List.of("retry_on", i),
                                    "Input should be " + JsonBody.oneOf(RetryPolicy.Retried.wireNames()),
                                    "enum");
                        }
                        retried.ifPresent(retryOn::add);
                    }
                },
                () -> retryOn.addAll(RetryPolicy.DEFAULT_RETRY_ON));
        var delays = new EnumMap<RetryPolicy.Retried, Duration>(RetryPolicy.Retried.class);
        policy.optionalObject("delay_seconds")
                .ifPresent(given -> given.node().properties().forEach(entry -> {
                    var retried = RetryPolicy.Retried.fromWire(entry.getKey());
                    if (retried.isEmpty()) {
                        given.violate(
                                entry.getKey(),
                                "Extra inputs are not permitted: delays are for "
                                        + JsonBody.oneOf(RetryPolicy.Retried.wireNames()),
                                "extra_forbidden");
                        return;
                    }
                    var seconds = given.optionalInt(entry.getKey());
                    given.atLeast(entry.getKey(), seconds, 1);
                    given.atMost(entry.getKey(), seconds, MAX_DELAY_SECONDS);
                    seconds.filter(s -> s >= 1 && s <= MAX_DELAY_SECONDS)
                            .ifPresent(s -> delays.put(retried.get(), Duration.ofSeconds(s)));
                }));
        if (policy.raw("delay_seconds").isPresent() && policy.raw("backoff").isPresent()) {
            policy.violate("backoff", "Value error, give delay_seconds or backoff, not both", "value_error");
        }
        var backoff = policy.optionalObject("backoff").flatMap(RetryPolicyRequest::backoff);
        var deadline = policy.optionalUnixTime("deadline_unix");
        deadline.filter(at -> now.isPresent() && !at.isAfter(now.get()))
                .ifPresent(
                        at -> policy.violate("deadline_unix", "Value error, the deadline has passed", "value_error"));
        if (!policy.valid() || maxAttempts.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new RetryPolicy(maxAttempts.get(), retryOn, delays, backoff, deadline));
    }

    private static Optional<RetryPolicy.Backoff> backoff(JsonBody backoff) {
        var initial = backoff.optionalInt("initial_seconds");
        backoff.atLeast("initial_seconds", initial, 1);
        backoff.atMost("initial_seconds", initial, MAX_DELAY_SECONDS);
        var max = backoff.optionalInt("max_seconds");
        backoff.atLeast("max_seconds", max, 1);
        backoff.atMost("max_seconds", max, MAX_DELAY_SECONDS);
        var multiplier = backoff.optionalDecimal("multiplier");
        multiplier
                .filter(m -> m.doubleValue() < 1 || m.doubleValue() > 10)
                .ifPresent(m -> backoff.violate("multiplier", "Input should be from 1 to 10", "value_error"));
        var jitter = backoff.optionalDecimal("jitter");
        jitter.filter(j -> j.doubleValue() < 0 || j.doubleValue() >= 1)
                .ifPresent(j -> backoff.violate(
                        "jitter", "Input should be from 0 to below 1 (a fraction of the delay)", "value_error"));
        var start = initial.map(s -> Duration.ofSeconds(s)).orElse(RetryPolicy.Backoff.DEFAULT_INITIAL);
        var cap = max.map(s -> Duration.ofSeconds(s)).orElse(RetryPolicy.Backoff.DEFAULT_MAX);
        if (backoff.valid() && cap.compareTo(start) < 0) {
            backoff.violate("max_seconds", "Value error, max_seconds is below initial_seconds", "value_error");
        }
        if (!backoff.valid()) {
            return Optional.empty();
        }
        return Optional.of(new RetryPolicy.Backoff(
                start,
                multiplier.map(m -> m.doubleValue()).orElse(RetryPolicy.Backoff.DEFAULT_MULTIPLIER),
                cap,
                jitter.map(j -> j.doubleValue()).orElse(RetryPolicy.Backoff.DEFAULT_JITTER)));
    }
}
