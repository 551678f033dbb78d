package io.batchcall.telephony.media;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class SrtpContextTest {
    private static final HexFormat HEX = HexFormat.of();
    /** The master key and salt of RFC 3711 Appendix B.3, which libsrtp's own test packet uses too. */
    private static final SrtpKeys RFC_KEYS = new SrtpKeys(
            HEX.parseHex("E1F97A0D3E018BE0D64FA32C06DE4139"), HEX.parseHex("0EC675AD498AFEEBB6960B3AABE6"));

    @Test
    void aes_cm_gives_the_keystream_of_rfc_3711_appendix_b2() {
        var key = HEX.parseHex("2B7E151628AED2A6ABF7158809CF4F3C");
        var iv = HEX.parseHex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000");

        var keystream = SrtpContext.keystream(key, iv, 0xFF02 * 16);

        assertThat(block(keystream, 0)).isEqualTo("e03ead0935c95e80e166b16dd92b4eb4");
        assertThat(block(keystream, 1)).isEqualTo("d23513162b02d0f72a43a2fe4a5f97ab");
        assertThat(block(keystream, 2)).isEqualTo("41e95b3bb0a2e8dd477901e4fca894c0");
        assertThat(block(keystream, 0xFEFF)).isEqualTo("ec8cdf7398607cb0f2d21675ea9ea1e4");
        assertThat(block(keystream, 0xFF00)).isEqualTo("362b7c3c6773516318a077d7fc5073ae");
        assertThat(block(keystream, 0xFF01)).isEqualTo("6a2cc3787889374fbeb4c81b17ba6c44");
    }

    @Test
    void session_keys_are_derived_as_in_rfc_3711_appendix_b3() {
        var session = SrtpContext.deriveSessionKeys(RFC_KEYS);

        assertThat(HEX.formatHex(session.cipherKey())).isEqualTo("c61e7a93744f39ee10734afe3ff7a087");
        assertThat(HEX.formatHex(session.salt())).isEqualTo("30cbbc08863d8c85d49db34a9ae1");
        assertThat(HEX.formatHex(session.authKey())).isEqualTo("cebe321f6ff7716b6fd4ab49af256a156d38baa4");
    }

    @Test
    void a_packet_is_protected_byte_for_byte_as_libsrtp_protects_it() {
        var payload = new byte[16];
        Arrays.fill(payload, (byte) 0xAB);
        var packet = new RtpPacket(false, 15, 0x1234, 0xDECAFBADL, 0xCAFEBABEL, payload);

        var protectedBytes = new SrtpContext(RFC_KEYS).protect(packet);

        assertThat(HEX.formatHex(protectedBytes))
                .isEqualTo("800f1234decafbadcafebabe" + "4e55dc4ce79978d88ca4d215949d2402" + "b78d6acc99ea179b8dbb");
    }

    @Test
    void what_one_side_protects_the_other_unprotects() {
        var keys = SrtpKeys.generate(new java.security.SecureRandom());
        var sender = new SrtpContext(keys);
        var receiver = new SrtpContext(keys);

        for (int i = 0; i < 5; i++) {
            var packet = new RtpPacket(i == 0, 0, 40_000 + i, 160L * i, 7, new byte[] {(byte) i, 2, 3});
            var bytes = sender.protect(packet);
            var back = receiver.unprotect(bytes, bytes.length).orElseThrow();
            assertThat(back.sequence()).isEqualTo(40_000 + i);
            assertThat(back.payload()).containsExactly(i, 2, 3);
        }
    }

    @Test
    void a_tampered_packet_a_replay_and_a_stranger_are_rejected() {
        var keys = SrtpKeys.generate(new java.security.SecureRandom());
        var sender = new SrtpContext(keys);
        var receiver = new SrtpContext(keys);
        var first = sender.protect(new RtpPacket(false, 0, 1, 160, 7, new byte[160]));
        var tampered = first.clone();
        tampered[20] ^= 1;

        assertThat(receiver.unprotect(tampered, tampered.length)).isEmpty();
        assertThat(receiver.unprotect(first, first.length)).isPresent();
        assertThat(receiver.unprotect(first, first.length))
                .as("the same packet again")
                .isEmpty();

        var stranger = new SrtpContext(SrtpKeys.generate(new java.security.SecureRandom()));
        var forged = stranger.protect(new RtpPacket(false, 0, 2, 320, 7, new byte[160]));
        assertThat(receiver.unprotect(forged, forged.length)).isEmpty();
    }

    @Test
    void late_packets_inside_the_replay_window_are_taken_and_older_ones_refused() {
        var keys = SrtpKeys.generate(new java.security.SecureRandom());
        var sender = new SrtpContext(keys);
        var receiver = new SrtpContext(keys);
        var packets = new byte[100][];
        for (int i = 0; i < 100; i++) {
            packets[i] = sender.protect(new RtpPacket(false, 0, i, 160L * i, 7, new byte[] {1}));
        }
        receiver.unprotect(packets[0], packets[0].length).orElseThrow();
        receiver.unprotect(packets[99], packets[99].length).orElseThrow();

        assertThat(receiver.unprotect(packets[50], packets[50].length))
                .as("49 behind")
                .isPresent();
        assertThat(receiver.unprotect(packets[10], packets[10].length))
                .as("89 behind")
                .isEmpty();
    }

    @Test
    void the_rollover_counter_follows_the_sequence_numbers_wrap() {
        var keys = SrtpKeys.generate(new java.security.SecureRandom());
        var sender = new SrtpContext(keys);
        var receiver = new SrtpContext(keys);

        for (int i = 0; i < 10; i++) {
            int sequence = (65_530 + i) & 0xFFFF;
            var bytes = sender.protect(new RtpPacket(false, 0, sequence, 160L * i, 7, new byte[] {(byte) i}));
            assertThat(receiver.unprotect(bytes, bytes.length))
                    .as("sequence %d", sequence)
                    .isPresent();
        }
    }

    @Test
    void sdes_keys_travel_as_base64_of_key_then_salt() {
        var inline = RFC_KEYS.inline();

        assertThat(SrtpKeys.ofInline(inline)).isEqualTo(RFC_KEYS);
        assertThat(SrtpKeys.ofInline(inline + "|2^31")).isEqualTo(RFC_KEYS);
        assertThat(RFC_KEYS.toString()).doesNotContain(inline);
    }

    private static String block(byte[] keystream, int index) {
        return HEX.formatHex(keystream, index * 16, index * 16 + 16);
    }
}
