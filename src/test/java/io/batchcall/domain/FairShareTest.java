package io.batchcall.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FairShareTest {
    private static final Instant NOW = Instant.parse("2026-11-29T10:00:00Z");

    @Test
    void capacity_is_shared_in_turn_so_every_batch_progresses() {
        var shares = FairShare.share(
                List.of(
                        new FairShare.Candidate("b1", "a", "n", 10),
                        new FairShare.Candidate("b2", "a", "n", 10),
                        new FairShare.Candidate("b3", "a", "n", 10)),
                5,
                Map.of("a", 100),
                Map.of("n", 100));

        assertThat(shares).isEqualTo(Map.of("b1", 2, "b2", 2, "b3", 1));
    }

    @Test
    void each_batch_agent_and_number_keeps_within_its_own_room() {
        var shares = FairShare.share(
                List.of(
                        new FairShare.Candidate("b1", "a1", "n1", 1),
                        new FairShare.Candidate("b2", "a1", "n2", 10),
                        new FairShare.Candidate("b3", "a2", "n2", 10)),
                100,
                Map.of("a1", 3, "a2", 100),
                Map.of("n1", 100, "n2", 4));

        assertThat(shares).isEqualTo(Map.of("b1", 1, "b2", 2, "b3", 2));
    }

    @Test
    void nothing_is_shared_without_room() {
        assertThat(FairShare.share(
                        List.of(new FairShare.Candidate("b", "a", "n", 0)), 10, Map.of("a", 5), Map.of("n", 5)))
                .isEmpty();
    }

    @Test
    void dial_slots_are_one_over_cps_apart_and_stop_at_the_horizon() {
        var slots = new DialSlots(new BigDecimal("2"), Optional.empty(), NOW, Duration.ofSeconds(1));

        assertThat(slots.available(100)).isEqualTo(3);
        assertThat(List.of(slots.take(), slots.take(), slots.take()))
                .containsExactly(NOW, NOW.plusMillis(500), NOW.plusSeconds(1));
        assertThat(slots.available(100)).isZero();
        assertThat(slots.nextFree()).isEqualTo(NOW.plusMillis(1500));
    }

    @Test
    void a_number_still_busy_from_an_earlier_claim_starts_where_that_claim_left_off() {
        var slots = new DialSlots(BigDecimal.ONE, Optional.of(NOW.plusMillis(800)), NOW, Duration.ofSeconds(1));

        assertThat(slots.available(100)).isEqualTo(1);
        assertThat(slots.take()).isEqualTo(NOW.plusMillis(800));
    }
}
