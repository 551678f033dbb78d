package io.batchcall.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
    private static final Instant NOW = Instant.parse("2026-11-30T10:00:00Z");
    private final Random random = new Random(3);

    private static RetryPolicy delays(int maxAttempts, Set<RetryPolicy.Retried> on, Optional<Instant> deadline) {
        return new RetryPolicy(
                maxAttempts, on, Map.of(RetryPolicy.Retried.BUSY, Duration.ofMinutes(10)), Optional.empty(), deadline);
    }

    @Test
    void busy_is_retried_after_its_delay_until_the_attempts_are_used_up() {
        var policy = delays(3, RetryPolicy.DEFAULT_RETRY_ON, Optional.empty());

        assertThat(policy.delayAfter(new Outcome.Busy(), 1, NOW, random)).contains(Duration.ofMinutes(10));
        assertThat(policy.delayAfter(new Outcome.Busy(), 2, NOW, random)).contains(Duration.ofMinutes(10));
        assertThat(policy.delayAfter(new Outcome.Busy(), 3, NOW, random)).isEmpty();
        // no_answer is retried by default, after its default delay since the policy gives it none.
        assertThat(policy.delayAfter(new Outcome.NoAnswer(), 1, NOW, random)).contains(Duration.ofHours(1));
    }

    @Test
    void outcomes_not_listed_and_failures_that_cannot_succeed_later_are_not_retried() {
        var policy = delays(5, Set.of(RetryPolicy.Retried.BUSY, RetryPolicy.Retried.FAILED), Optional.empty());

        assertThat(policy.delayAfter(new Outcome.Voicemail(), 1, NOW, random)).isEmpty();
        assertThat(policy.delayAfter(new Outcome.Completed(), 1, NOW, random)).isEmpty();
        assertThat(policy.delayAfter(new Outcome.Failed("404 not found", false), 1, NOW, random))
                .isEmpty();
        assertThat(policy.delayAfter(new Outcome.Failed("503 service unavailable", true), 1, NOW, random))
                .contains(Duration.ofMinutes(15));
    }

    @Test
    void no_retry_is_scheduled_past_the_deadline() {
        var policy = delays(5, RetryPolicy.DEFAULT_RETRY_ON, Optional.of(NOW.plus(Duration.ofMinutes(15))));

        assertThat(policy.delayAfter(new Outcome.Busy(), 1, NOW, random)).isPresent();
        assertThat(policy.delayAfter(new Outcome.Busy(), 1, NOW.plus(Duration.ofMinutes(6)), random))
                .isEmpty();
    }

    @Test
    void back_off_grows_by_its_multiplier_up_to_its_maximum_with_jitter_either_way() {
        var policy = new RetryPolicy(
                10,
                RetryPolicy.DEFAULT_RETRY_ON,
                Map.of(),
                Optional.of(new RetryPolicy.Backoff(Duration.ofMinutes(5), 2.0, Duration.ofMinutes(30), 0.2)),
                Optional.empty());

        for (int dials = 1; dials <= 6; dials++) {
            double base = Math.min(300 * Math.pow(2, dials - 1), 1800);
            var delay = policy.delayAfter(new Outcome.NoAnswer(), dials, NOW, random)
                    .orElseThrow();
            assertThat(delay.toMillis()).isBetween((long) (base * 800), (long) (base * 1200));
        }
        var noJitter = new RetryPolicy(
                10,
                RetryPolicy.DEFAULT_RETRY_ON,
                Map.of(),
                Optional.of(new RetryPolicy.Backoff(Duration.ofMinutes(5), 2.0, Duration.ofMinutes(30), 0)),
                Optional.empty());
        assertThat(noJitter.delayAfter(new Outcome.Busy(), 3, NOW, random)).contains(Duration.ofMinutes(20));
    }

    @Test
    void the_stored_json_names_every_delay_and_bad_values_are_refused() {
        var policy = new RetryPolicy(
                3,
                Set.of(RetryPolicy.Retried.NO_ANSWER, RetryPolicy.Retried.BUSY),
                Map.of(RetryPolicy.Retried.BUSY, Duration.ofSeconds(600)),
                Optional.empty(),
                Optional.of(Instant.ofEpochSecond(1_900_000_000L)));

        assertThat(policy.toJson())
                .isEqualTo("{\"max_attempts\":3,\"retry_on\":[\"busy\",\"no_answer\"],"
                        + "\"delay_seconds\":{\"busy\":600,\"no_answer\":3600},\"deadline_unix\":1900000000}");
        assertThatThrownBy(() -> delays(21, RetryPolicy.DEFAULT_RETRY_ON, Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RetryPolicy.Backoff(Duration.ofMinutes(5), 2, Duration.ofMinutes(5), 1.0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
