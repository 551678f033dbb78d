package io.batchcall.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.config.RateLimitConfig;
import io.batchcall.support.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TokenBucketsTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final TokenBuckets buckets = new TokenBuckets(new RateLimitConfig.Rate(2, 3), clock);

    @Test
    void a_client_gets_its_burst_at_once_then_is_told_how_long_to_wait_for_the_next_token() {
        assertThat(buckets.take("a")).isZero();
        assertThat(buckets.take("a")).isZero();
        assertThat(buckets.take("a")).isZero();

        assertThat(buckets.take("a")).isEqualTo(Duration.ofMillis(500));
        clock.advance(Duration.ofMillis(499));
        assertThat(buckets.take("a")).isEqualTo(Duration.ofMillis(2));
        clock.advance(Duration.ofMillis(1));
        assertThat(buckets.take("a")).isZero();
        assertThat(buckets.take("a")).isPositive();
    }

    @Test
    void clients_are_limited_each_on_their_own() {
        for (int i = 0; i < 3; i++) {
            buckets.take("a");
        }

        assertThat(buckets.take("a")).isPositive();
        assertThat(buckets.take("b")).isZero();
    }

    @Test
    void waiting_for_a_token_takes_none_and_an_unseen_client_is_not_tracked() {
        assertThat(buckets.wait("a")).isZero();
        assertThat(buckets.tracks("a")).isFalse();
        for (int i = 0; i < 3; i++) {
            buckets.take("a");
        }

        assertThat(buckets.wait("a")).isEqualTo(Duration.ofMillis(500));
        assertThat(buckets.wait("a")).isEqualTo(Duration.ofMillis(500));
        assertThat(buckets.tracks("a")).isTrue();
    }

    @Test
    void a_bucket_refills_to_its_burst_and_no_further() {
        for (int i = 0; i < 3; i++) {
            buckets.take("a");
        }
        clock.advance(Duration.ofHours(1));

        for (int i = 0; i < 3; i++) {
            assertThat(buckets.take("a")).isZero();
        }
        assertThat(buckets.take("a")).isPositive();
    }

    @Test
    void idle_clients_are_forgotten_once_the_table_is_full_so_memory_stays_bounded() {
        for (int i = 0; i < TokenBuckets.MAX_TRACKED; i++) {
            buckets.take("client-" + i);
        }
        clock.advance(Duration.ofSeconds(10));

        buckets.take("newcomer");

        assertThat(buckets.tracks("client-0")).isFalse();
        assertThat(buckets.tracks("newcomer")).isTrue();
    }
}
