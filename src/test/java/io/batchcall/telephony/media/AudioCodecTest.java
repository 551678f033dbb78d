package io.batchcall.telephony.media;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AudioCodecTest {

    @Test
    void every_code_decodes_to_a_sample_that_encodes_back_to_the_same_sound() {
        for (var codec : AudioCodec.values()) {
            for (int code = 0; code < 256; code++) {
                short sample = codec.decode((byte) code);
                assertThat(codec.decode(codec.encode(sample)))
                        .as("%s code %d", codec, code)
                        .isEqualTo(sample);
            }
        }
    }

    @Test
    void mu_law_keeps_every_code_except_negative_zero_which_is_zero() {
        for (int code = 0; code < 256; code++) {
            int expected = code == 0x7F ? 0xFF : code;
            assertThat(AudioCodec.PCMU.encode(AudioCodec.PCMU.decode((byte) code)) & 0xFF)
                    .isEqualTo(expected);
        }
        for (int code = 0; code < 256; code++) {
            assertThat(AudioCodec.PCMA.encode(AudioCodec.PCMA.decode((byte) code)) & 0xFF)
                    .isEqualTo(code);
        }
    }

    @Test
    void the_codes_match_g711s_well_known_values() {
        assertThat(AudioCodec.PCMU.silence() & 0xFF).isEqualTo(0xFF);
        assertThat(AudioCodec.PCMA.silence() & 0xFF).isEqualTo(0xD5);
        assertThat(AudioCodec.PCMU.decode((byte) 0x00)).isEqualTo((short) -32124);
        assertThat(AudioCodec.PCMU.decode((byte) 0x80)).isEqualTo((short) 32124);
        assertThat(AudioCodec.PCMA.decode((byte) 0xAA)).isEqualTo((short) 32256);
        assertThat(AudioCodec.PCMA.decode((byte) 0x2A)).isEqualTo((short) -32256);
    }

    @Test
    void a_sample_survives_a_round_trip_within_the_codecs_quantisation_step() {
        for (var codec : AudioCodec.values()) {
            for (int sample = -32_000; sample <= 32_000; sample += 7) {
                int decoded = codec.decode(codec.encode((short) sample));
                // G.711 keeps about 4 significant bits: the error is under 1/16 of the value, plus a floor near zero.
                assertThat(Math.abs(decoded - sample))
                        .as("%s sample %d", codec, sample)
                        .isLessThanOrEqualTo(Math.abs(sample) / 16 + 16);
            }
        }
    }

    @Test
    void transcoding_a_law_to_mu_law_keeps_a_tone() {
        var tone = Tones.sine(440, 1_600, 8_000);
        var alaw = AudioCodec.PCMA.encode(tone);
        var ulaw = AudioCodec.PCMA.transcode(alaw, AudioCodec.PCMU);

        assertThat(Tones.dominantFrequency(AudioCodec.PCMU.decode(ulaw), new int[] {300, 440, 1000}))
                .isEqualTo(440);
        assertThat(AudioCodec.PCMU.transcode(ulaw, AudioCodec.PCMU)).isSameAs(ulaw);
    }
}
