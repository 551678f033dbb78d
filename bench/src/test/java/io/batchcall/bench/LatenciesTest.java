package io.batchcall.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class LatenciesTest {
    @Test
    void p50_and_p99_are_the_nearest_rank_values_whatever_the_order_they_were_measured_in() {
        var shuffled = IntStream.rangeClosed(1, 100).map(i -> (i * 37) % 100 + 1).mapToObj(i -> (double) i).toList();

        var latencies = Latencies.of(shuffled);

        assertThat(latencies.count()).isEqualTo(100);
        assertThat(latencies.p50()).isEqualTo(50.0);
        assertThat(latencies.p99()).isEqualTo(99.0);
        assertThat(latencies.max()).isEqualTo(100.0);
        assertThat(latencies.mean()).isEqualTo(50.5);
    }

    @Test
    void one_slow_request_in_a_thousand_does_not_move_p99_but_eleven_do() {
        var oneSlow = new java.util.ArrayList<Double>(java.util.Collections.nCopies(999, 5.0));
        oneSlow.add(900.0);
        var elevenSlow = new java.util.ArrayList<Double>(java.util.Collections.nCopies(989, 5.0));
        elevenSlow.addAll(java.util.Collections.nCopies(11, 900.0));

        assertThat(Latencies.of(oneSlow).p99()).isEqualTo(5.0);
        assertThat(Latencies.of(elevenSlow).p99()).isEqualTo(900.0);
    }

    @Test
    void a_single_measurement_is_every_percentile_and_none_is_an_error() {
        assertThat(Latencies.of(List.of(7.0))).isEqualTo(new Latencies(1, 7.0, 7.0, 7.0, 7.0));
        assertThatThrownBy(() -> Latencies.of(List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
