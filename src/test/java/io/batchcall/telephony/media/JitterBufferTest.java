package io.batchcall.telephony.media;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JitterBufferTest {

    private static RtpPacket packet(int sequence) {
        return new RtpPacket(false, 0, sequence, sequence * 160L, 1, new byte[] {(byte) sequence});
    }

    private static List<Integer> sequences(List<RtpPacket> packets) {
        return packets.stream().map(RtpPacket::sequence).toList();
    }

    @Test
    void packets_in_order_pass_straight_through() {
        var buffer = new JitterBuffer(3);

        for (int sequence = 10; sequence < 15; sequence++) {
            assertThat(sequences(buffer.offer(packet(sequence)))).containsExactly(sequence);
        }
        assertThat(buffer.late()).isZero();
        assertThat(buffer.lost()).isZero();
    }

    @Test
    void packets_that_arrive_out_of_order_are_put_back_in_order() {
        var buffer = new JitterBuffer(3);
        var played = new ArrayList<Integer>();

        for (int sequence : new int[] {100, 102, 103, 101, 105, 104, 106}) {
            played.addAll(sequences(buffer.offer(packet(sequence))));
        }

        assertThat(played).containsExactly(100, 101, 102, 103, 104, 105, 106);
        assertThat(buffer.lost()).isZero();
    }

    @Test
    void a_packet_that_comes_after_its_turn_or_twice_is_dropped_as_late() {
        var buffer = new JitterBuffer(2);
        var played = new ArrayList<Integer>();

        for (int sequence : new int[] {1, 3, 4, 5, 2, 5}) {
            played.addAll(sequences(buffer.offer(packet(sequence))));
        }

        // 2 was given up once more than two packets waited behind it; when it came it was too late.
        assertThat(played).containsExactly(1, 3, 4, 5);
        assertThat(buffer.lost()).isEqualTo(1);
        assertThat(buffer.late()).isEqualTo(2);
    }

    @Test
    void the_order_holds_across_the_sequence_numbers_wrap() {
        var buffer = new JitterBuffer(3);
        var played = new ArrayList<Integer>();

        for (int sequence : new int[] {65534, 0, 65535, 1}) {
            played.addAll(sequences(buffer.offer(packet(sequence))));
        }

        assertThat(played).containsExactly(65534, 65535, 0, 1);
    }

    @Test
    void what_is_held_at_the_end_of_a_call_is_drained_in_order() {
        var buffer = new JitterBuffer(5);
        buffer.offer(packet(1));
        buffer.offer(packet(4));
        buffer.offer(packet(3));

        assertThat(sequences(buffer.drain())).containsExactly(3, 4);
    }
}
