package io.batchcall.domain;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * When a batch dials a recipient again on its own: after an attempt that ended with one of {@code retryOn}, while
 * it has had fewer than {@code maxAttempts} dials (the first counts) and the next one falls before the deadline.
 * The wait is fixed per outcome ({@code delays}) or grows exponentially with jitter ({@code backoff}). A failure
 * is retried only when it may succeed later (a 503 from a trunk, not a number that does not exist).
 */
public record RetryPolicy(
        int maxAttempts,
        Set<Retried> retryOn,
        Map<Retried, Duration> delays,
        Optional<Backoff> backoff,
        Optional<Instant> deadline) {
    public static final int MAX_ATTEMPTS = 20;
    public static final Set<Retried> DEFAULT_RETRY_ON = Set.of(Retried.BUSY, Retried.NO_ANSWER);

    /** The outcomes a policy may retry, by their {@code last_outcome} names. */
    public enum Retried {
        BUSY("busy", Duration.ofMinutes(10)),
        NO_ANSWER("no_answer", Duration.ofHours(1)),
        FAILED("failed", Duration.ofMinutes(15)),
        VOICEMAIL("voicemail", Duration.ofHours(1)),
        INTERRUPTED("interrupted", Duration.ofMinutes(15));

        private final String wireName;
        private final Duration defaultDelay;

        Retried(String wireName, Duration defaultDelay) {
            this.wireName = wireName;
            this.defaultDelay = defaultDelay;
        }

        public String wireName() {
            return wireName;
        }

        /** The wait when a policy names the outcome in {@code retry_on} but gives it no delay of its own. */
        public Duration defaultDelay() {
            return defaultDelay;
        }

        public static Optional<Retried> fromWire(String name) {
            return java.util.Arrays.stream(values())
                    .filter(r -> r.wireName.equals(name))
                    .findFirst();
        }

        public static List<String> wireNames() {
            return java.util.Arrays.stream(values()).map(Retried::wireName).toList();
        }

        /** The retried kind of an outcome; empty for outcomes no policy retries (completed, cancelled). */
        static Optional<Retried> of(Outcome outcome) {
            return switch (outcome) {
                case Outcome.Busy b -> Optional.of(BUSY);
                case Outcome.NoAnswer n -> Optional.of(NO_ANSWER);
                case Outcome.Failed f -> Optional.of(FAILED);
                case Outcome.Voicemail v -> Optional.of(VOICEMAIL);
                case Outcome.Interrupted i -> Optional.of(INTERRUPTED);
                case Outcome.Completed c -> Optional.empty();
                case Outcome.Cancelled c -> Optional.empty();
            };
        }
    }

    /**
     * The wait after the n-th dial is {@code initial * multiplier^(n-1)}, at most {@code max}, then moved by up to
     * {@code jitter} of itself either way, so that recipients who failed together are not all dialed together.
     */
    public record Backoff(Duration initial, double multiplier, Duration max, double jitter) {
        public static final Duration DEFAULT_INITIAL = Duration.ofMinutes(5);
        public static final double DEFAULT_MULTIPLIER = 2.0;
        public static final Duration DEFAULT_MAX = Duration.ofDays(1);
        public static final double DEFAULT_JITTER = 0.2;

        public Backoff {
            if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
                throw new IllegalArgumentException(
                        "a back-off starts above zero and its maximum is at least its start");
            }
            if (multiplier < 1 || multiplier > 10 || Double.isNaN(multiplier)) {
                throw new IllegalArgumentException("a back-off multiplier is from 1 to 10");
            }
            if (jitter < 0 || jitter >= 1 || Double.isNaN(jitter)) {
                throw new IllegalArgumentException("jitter is a fraction of the delay, from 0 to below 1");
            }
        }

        Duration after(int dialsMade, RandomGenerator random) {
            double seconds = initial.toSeconds() * Math.pow(multiplier, Math.max(0, dialsMade - 1));
            seconds = Math.min(seconds, max.toSeconds());
            double factor = 1 + jitter * (2 * random.nextDouble() - 1);
            return Duration.ofMillis(Math.round(seconds * factor * 1000));
        }
    }

    public RetryPolicy {
        if (maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS) {
            throw new IllegalArgumentException("max_attempts is from 1 to " + MAX_ATTEMPTS);
        }
        retryOn = retryOn.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(retryOn));
        var complete = new LinkedHashMap<Retried, Duration>();
        if (backoff.isEmpty()) {
            // Normalised: every retried outcome has its delay, so the stored policy says what it does.
            for (var retried : Retried.values()) {
                if (retryOn.contains(retried)) {
                    var delay = delays.getOrDefault(retried, retried.defaultDelay());
                    if (delay.isNegative() || delay.isZero()) {
                        throw new IllegalArgumentException("a retry delay is above zero");
                    }
                    complete.put(retried, delay);
                }
            }
        }
        delays = java.util.Collections.unmodifiableMap(complete);
    }

    /**
     * The wait before dialing again after a dial that ended with {@code outcome}, when {@code dialsMade} dials
     * have been made; empty when the recipient's calls end here.
     */
    public Optional<Duration> delayAfter(Outcome outcome, int dialsMade, Instant now, RandomGenerator random) {
        if (dialsMade >= maxAttempts) {
            return Optional.empty();
        }
        if (outcome instanceof Outcome.Failed failed && !failed.retryable()) {
            return Optional.empty();
        }
        var retried = Retried.of(outcome).filter(retryOn::contains);
        if (retried.isEmpty()) {
            return Optional.empty();
        }
        var delay = backoff.map(b -> b.after(dialsMade, random)).orElseGet(() -> delays.get(retried.get()));
        if (deadline.isPresent() && now.plus(delay).isAfter(deadline.get())) {
            return Optional.empty();
        }
        return Optional.of(delay);
    }

    /** The normalised JSON as stored in {@code batches.retry_policy} and shown by the API. */
    public String toJson() {
        var json = new StringBuilder("{\"max_attempts\":").append(maxAttempts).append(",\"retry_on\":[");
        var names = java.util.Arrays.stream(Retried.values())
                .filter(retryOn::contains)
                .map(r -> "\"" + r.wireName() + "\"")
                .toList();
        json.append(String.join(",", names)).append(']');
        if (backoff.isPresent()) {
            var b = backoff.get();
            json.append(",\"backoff\":{\"initial_seconds\":")
                    .append(b.initial().toSeconds())
                    .append(",\"multiplier\":")
                    .append(b.multiplier())
                    .append(",\"max_seconds\":")
                    .append(b.max().toSeconds())
                    .append(",\"jitter\":")
                    .append(b.jitter())
                    .append('}');
        } else {
            var entries = delays.entrySet().stream()
                    .map(e ->
                            "\"" + e.getKey().wireName() + "\":" + e.getValue().toSeconds())
                    .toList();
            json.append(",\"delay_seconds\":{")
                    .append(String.join(",", entries))
                    .append('}');
        }
        deadline.ifPresent(at -> json.append(",\"deadline_unix\":").append(at.getEpochSecond()));
        return json.append('}').toString();
    }
}
