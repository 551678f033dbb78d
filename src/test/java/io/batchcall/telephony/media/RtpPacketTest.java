package io.batchcall.telephony.media;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class RtpPacketTest {

    @Test
    void a_packet_is_written_with_rfc_3550s_header_and_read_back() {
        var packet = new RtpPacket(true, 0, 0xFFFF, 0xFFFF_FF00L, 0xCAFEBABEL, new byte[] {1, 2, 3});

        var bytes = packet.toBytes();

        assertThat(HexFormat.of().formatHex(bytes)).isEqualTo("8080ffffffffff00cafebabe010203");
        var read = RtpPacket.parse(bytes, bytes.length).orElseThrow();
        assertThat(read.marker()).isTrue();
        assertThat(read.sequence()).isEqualTo(0xFFFF);
        assertThat(read.timestamp()).isEqualTo(0xFFFF_FF00L);
        assertThat(read.ssrc()).isEqualTo(0xCAFEBABEL);
        assertThat(read.payload()).containsExactly(1, 2, 3);
    }

    @Test
    void csrcs_a_header_extension_and_padding_are_skipped_to_find_the_payload() {
        // V=2, P=1, X=1, CC=1; then one CSRC, a one-word extension, the payload 0xAA 0xBB and 2 bytes of padding.
        var bytes = HexFormat.of()
                .parseHex(
                        "b1000001" + "00000002" + "00000003" + "11111111" + "bede0001" + "01020304" + "aabb" + "0002");

        var packet = RtpPacket.parse(bytes, bytes.length).orElseThrow();

        assertThat(packet.payload()).containsExactly(0xAA, 0xBB);
    }

    @Test
    void what_is_not_rtp_version_2_or_is_cut_short_is_refused() {
        assertThat(RtpPacket.parse(new byte[] {(byte) 0x80, 0, 0}, 3)).isEmpty();
        var stun = HexFormat.of().parseHex("000100002112a442000000000000000000000000");
        assertThat(RtpPacket.parse(stun, stun.length)).isEmpty();
    }

    @Test
    void sequence_order_wraps_from_65535_to_0() {
        assertThat(RtpPacket.isAfter(0, 0xFFFF)).isTrue();
        assertThat(RtpPacket.isAfter(0xFFFF, 0)).isFalse();
        assertThat(RtpPacket.isAfter(5, 5)).isFalse();
    }

    @Test
    void a_telephone_event_carries_its_key_end_bit_volume_and_duration() {
        var event = TelephoneEvent.of('#', true, 800);

        var bytes = event.toBytes();

        assertThat(HexFormat.of().formatHex(bytes)).isEqualTo("0b8a0320");
        var read = TelephoneEvent.parse(bytes).orElseThrow();
        assertThat(read.digit()).contains('#');
        assertThat(read.end()).isTrue();
        assertThat(read.duration()).isEqualTo(800);
        assertThat(TelephoneEvent.parse(new byte[] {5, 0, 0, 0}).orElseThrow().digit())
                .contains('5');
    }
}
