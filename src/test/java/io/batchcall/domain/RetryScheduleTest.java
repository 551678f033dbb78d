package io.batchcall.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RetryScheduleTest {
    private final RetrySchedule schedule = RetrySchedule.STANDARD;

    @Test
    void eleven_attempts_span_about_three_point_two_days_with_at_most_ten_percent_jitter() {
        var random = new Random(1);
        var total = Duration.ZERO;
        for (int made = 1; made < schedule.maxAttempts(); made++) {
            var base = schedule.delays().get(made - 1);
            var delay = schedule.delayAfter(made, Optional.empty(), random).orElseThrow();
            assertThat(delay.toMillis()).isBetween((long) (base.toMillis() * 0.9), (long) (base.toMillis() * 1.1));
            total = total.plus(base);
        }
        assertThat(schedule.maxAttempts()).isEqualTo(11);
        assertThat(schedule.delays().subList(0, 4))
                .containsExactly(
                        Duration.ofSeconds(30), Duration.ofMinutes(2), Duration.ofMinutes(8), Duration.ofMinutes(30));
        assertThat(total.toMinutes() / (24.0 * 60)).isBetween(3.1, 3.3);
        assertThat(schedule.delayAfter(11, Optional.empty(), random)).isEmpty();
    }

    @Test
    void retry_after_replaces_the_delay_up_to_a_day_but_adds_no_attempt() {
        var random = new Random(1);
        assertThat(schedule.delayAfter(1, Optional.of(Duration.ofSeconds(7)), random))
                .contains(Duration.ofSeconds(7));
        assertThat(schedule.delayAfter(1, Optional.of(Duration.ofDays(3)), random))
                .contains(Duration.ofHours(24));
        assertThat(schedule.delayAfter(11, Optional.of(Duration.ofSeconds(7)), random))
                .isEmpty();
    }

    @Test
    void a_webhook_is_disabled_after_ten_failures_only_without_a_success_in_seven_days() {
        var now = Instant.parse("2026-11-29T10:00:00Z");
        assertThat(new EndpointHealth(10, Optional.empty()).shouldAutoDisable(now))
                .isTrue();
        assertThat(new EndpointHealth(9, Optional.empty()).shouldAutoDisable(now))
                .isFalse();
        assertThat(new EndpointHealth(50, Optional.of(now.minus(Duration.ofDays(6)))).shouldAutoDisable(now))
                .isFalse();
        assertThat(new EndpointHealth(10, Optional.of(now.minus(Duration.ofDays(8)))).shouldAutoDisable(now))
                .isTrue();
    }
}
