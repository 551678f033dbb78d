package io.batchcall.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrequencyCapTest {
    private static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");

    @Test
    void a_number_under_every_cap_may_be_called_now() {
        var caps = List.of(new FrequencyCap(2, Duration.ofDays(1)));

        assertThat(FrequencyCap.release(caps, List.of(NOW.minusSeconds(60)), NOW))
                .isEmpty();
        assertThat(FrequencyCap.release(List.of(), List.of(NOW, NOW, NOW), NOW)).isEmpty();
    }

    @Test
    void a_full_cap_releases_the_number_when_enough_of_its_oldest_attempts_have_left_the_window() {
        var caps = List.of(new FrequencyCap(2, Duration.ofDays(1)));
        var claims =
                List.of(NOW.minus(Duration.ofHours(1)), NOW.minus(Duration.ofHours(5)), NOW.minus(Duration.ofHours(3)));

        // Three in the window, two allowed: the two oldest must leave, the second oldest (3 h ago) last.
        assertThat(FrequencyCap.release(caps, claims, NOW)).contains(NOW.plus(Duration.ofHours(21)));
    }

    @Test
    void attempts_older_than_the_window_do_not_count_and_the_strictest_cap_decides() {
        var caps = List.of(new FrequencyCap(3, Duration.ofDays(7)), new FrequencyCap(1, Duration.ofHours(1)));
        var claims = List.of(
                NOW.minus(Duration.ofDays(8)), NOW.minus(Duration.ofDays(2)), NOW.minus(Duration.ofMinutes(10)));

        assertThat(FrequencyCap.release(caps, claims, NOW)).contains(NOW.plus(Duration.ofMinutes(50)));
        assertThat(FrequencyCap.release(caps, claims, NOW.plus(Duration.ofMinutes(50))))
                .isEmpty();
    }

    @Test
    void caps_outside_their_bounds_are_refused() {
        assertThatThrownBy(() -> new FrequencyCap(0, Duration.ofDays(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FrequencyCap(1, Duration.ofSeconds(59)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FrequencyCap(1, Duration.ofSeconds(31_536_001)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
