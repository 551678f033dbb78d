package io.batchcall.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class AudioStampTest {
    @Test
    void a_stamped_frame_is_20_ms_of_audio_that_says_its_call_and_packet() {
        var frame = new AudioStamp(17, 4_242).frame();

        assertThat(frame).hasSize(160);
        assertThat(AudioStamp.read(frame)).contains(new AudioStamp(17, 4_242));
    }

    @Test
    void silence_and_other_audio_carry_no_stamp() {
        var silence = new byte[160];
        Arrays.fill(silence, (byte) 0xFF);

        assertThat(AudioStamp.read(silence)).isEmpty();
        assertThat(AudioStamp.read(new byte[4])).isEmpty();
    }
}
