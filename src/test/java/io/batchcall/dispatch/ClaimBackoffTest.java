package io.batchcall.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.WorkspaceId;
import io.batchcall.support.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ClaimBackoffTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T10:00:00Z"));
    private final ClaimBackoff backoff = new ClaimBackoff(clock);
    private final WorkspaceId failing = new WorkspaceId("ws_failing");
    private final WorkspaceId other = new WorkspaceId("ws_other");

    @Test
    void a_failed_workspace_sits_out_one_second_and_the_others_do_not_wait() {
        var failure = backoff.failed(failing);

        assertThat(failure.sitsOut()).isEqualTo(ClaimBackoff.FIRST);
        assertThat(failure.inARow()).isEqualTo(1);
        assertThat(backoff.due(failing)).isFalse();
        assertThat(backoff.due(other)).isTrue();
        clock.advance(ClaimBackoff.FIRST);
        assertThat(backoff.due(failing)).isTrue();
    }

    @Test
    void each_failure_in_a_row_doubles_the_wait_up_to_a_minute() {
        var waits = new java.util.ArrayList<Long>();
        for (int i = 0; i < 9; i++) {
            waits.add(backoff.failed(failing).sitsOut().toSeconds());
        }

        assertThat(waits).containsExactly(1L, 2L, 4L, 8L, 16L, 32L, 60L, 60L, 60L);
    }

    @Test
    void a_claim_that_goes_through_starts_the_next_back_off_from_one_second_again() {
        backoff.failed(failing);
        backoff.failed(failing);
        clock.advance(Duration.ofSeconds(2));
        backoff.succeeded(failing);

        assertThat(backoff.due(failing)).isTrue();
        var next = backoff.failed(failing);
        assertThat(next.sitsOut()).isEqualTo(ClaimBackoff.FIRST);
        assertThat(next.inARow()).isEqualTo(1);
    }
}
