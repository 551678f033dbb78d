package io.batchcall.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RefillScenarioTest {
    private static ApiClient.Attempt attempt(long claimed, long dialed, long ended) {
        return new ApiClient.Attempt("r", claimed, Optional.of(dialed), Optional.of(ended), Optional.of("completed"));
    }

    @Test
    void each_end_is_paired_with_the_dial_that_refills_its_line_and_the_gap_is_split_at_that_dials_claim() {
        // Two lines: calls a and b start at once; c refills the first line to end, d the second.
        var a = attempt(0, 5, 200);
        var b = attempt(0, 6, 230);
        var c = attempt(240, 250, 450);
        var d = attempt(260, 300, 500);

        // Listed out of order, as the attempts API may list them (by claim, ties in any order).
        var gaps = RefillScenario.gaps(List.of(d, b, c, a), 2);

        assertThat(gaps.endToDial()).containsExactly(50.0, 70.0);
        assertThat(gaps.endToClaim()).containsExactly(40.0, 30.0);
        assertThat(gaps.claimToDial()).containsExactly(10.0, 40.0);
    }

    @Test
    void a_call_that_ended_at_the_dial_gate_counts_as_dialed_at_its_claim() {
        var a = attempt(0, 5, 100);
        var stopped = new ApiClient.Attempt("r", 130, Optional.empty(), Optional.of(131L), Optional.of("cancelled"));

        var gaps = RefillScenario.gaps(List.of(a, stopped), 1);

        assertThat(gaps.endToDial()).containsExactly(30.0);
        assertThat(gaps.claimToDial()).containsExactly(0.0);
    }
}
