package io.batchcall.telephony.media;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PlayoutTest {
    private static final byte SILENCE = AudioCodec.PCMU.silence();

    private static byte[] bytes(int count, int value) {
        var out = new byte[count];
        java.util.Arrays.fill(out, (byte) value);
        return out;
    }

    @Test
    void audio_is_taken_in_frames_across_chunks_and_padded_with_silence_when_short() {
        var playout = new Playout(10_000);
        playout.add(bytes(100, 1));
        playout.add(bytes(100, 2));

        var first = playout.next(160, SILENCE);
        var second = playout.next(160, SILENCE);

        assertThat(first.ulaw()).startsWith(bytes(100, 1)).endsWith(bytes(60, 2));
        assertThat(second.ulaw()).startsWith(bytes(40, 2)).endsWith(bytes(120, SILENCE));
        assertThat(playout.queuedBytes()).isZero();
    }

    @Test
    void a_mark_is_due_once_the_audio_before_it_has_been_played() {
        var playout = new Playout(10_000);
        playout.add(bytes(320, 1));
        playout.mark("said-hello");
        playout.add(bytes(160, 2));

        assertThat(playout.next(160, SILENCE).dueMarks()).isEmpty();
        assertThat(playout.next(160, SILENCE).dueMarks()).containsExactly("said-hello");
        assertThat(playout.next(160, SILENCE).dueMarks()).isEmpty();
    }

    @Test
    void clear_drops_the_queued_audio_and_makes_every_pending_mark_due_with_the_next_frame() {
        var playout = new Playout(10_000);
        playout.add(bytes(1_600, 1));
        playout.mark("a");
        playout.add(bytes(1_600, 1));
        playout.mark("b");

        playout.clear();

        var next = playout.next(160, SILENCE);
        assertThat(next.dueMarks()).containsExactly("a", "b");
        assertThat(next.ulaw()).isEqualTo(bytes(160, SILENCE));
    }

    @Test
    void audio_beyond_the_bound_is_dropped_and_counted() {
        var playout = new Playout(200);
        playout.add(bytes(160, 1));
        playout.add(bytes(160, 2));

        assertThat(playout.queuedBytes()).isEqualTo(160);
        assertThat(playout.droppedBytes()).isEqualTo(160);
    }
}
