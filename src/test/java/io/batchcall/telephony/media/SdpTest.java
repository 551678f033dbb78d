package io.batchcall.telephony.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SdpTest {
    private static final SrtpKeys KEYS = SrtpKeys.generate(new SecureRandom());

    private static String answer(String media, String... attributes) {
        var sdp = new StringBuilder("v=0\r\no=peer 1 1 IN IP4 192.0.2.7\r\ns=-\r\nc=IN IP4 192.0.2.7\r\nt=0 0\r\n");
        sdp.append(media).append("\r\n");
        for (var attribute : attributes) {
            sdp.append(attribute).append("\r\n");
        }
        return sdp.toString();
    }

    @Test
    void an_srtp_offer_lists_both_g711_codecs_dtmf_20_ms_and_our_key() {
        var offer = new SdpOffer(new InetSocketAddress("127.0.0.1", 20_000), 42, Optional.of(KEYS)).text();

        assertThat(offer)
                .contains("o=batchcall 42 42 IN IP4 127.0.0.1\r\n")
                .contains("c=IN IP4 127.0.0.1\r\n")
                .contains("m=audio 20000 RTP/SAVP 0 8 101\r\n")
                .contains("a=rtpmap:0 PCMU/8000\r\n")
                .contains("a=rtpmap:8 PCMA/8000\r\n")
                .contains("a=rtpmap:101 telephone-event/8000\r\n")
                .contains("a=fmtp:101 0-16\r\n")
                .contains("a=ptime:20\r\n")
                .contains("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + KEYS.inline() + "\r\n")
                .contains("a=sendrecv\r\n")
                .startsWith("v=0\r\n");
    }

    @Test
    void a_plain_offer_is_rtp_avp_without_a_crypto_line() {
        var offer = new SdpOffer(new InetSocketAddress("127.0.0.1", 20_002), 1, Optional.empty()).text();

        assertThat(offer).contains("m=audio 20002 RTP/AVP 0 8 101\r\n").doesNotContain("a=crypto");
    }

    @Test
    void an_answer_gives_the_address_codec_dtmf_type_and_keys() {
        var sdp = answer(
                "m=audio 40012 RTP/SAVP 8 96",
                "c=IN IP4 198.51.100.9",
                "a=rtpmap:8 PCMA/8000",
                "a=rtpmap:96 telephone-event/8000",
                "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + KEYS.inline() + "|2^31");

        var answer = SdpAnswer.parse(sdp, true);

        assertThat(answer.remote()).isEqualTo(new InetSocketAddress("198.51.100.9", 40012));
        assertThat(answer.codec()).isEqualTo(AudioCodec.PCMA);
        assertThat(answer.telephoneEventType()).hasValue(96);
        assertThat(answer.keys()).contains(KEYS);
    }

    @Test
    void an_answer_without_rtpmaps_uses_the_static_types_and_the_session_address() {
        var answer = SdpAnswer.parse(answer("m=audio 5004 RTP/AVP 0"), false);

        assertThat(answer.remote()).isEqualTo(new InetSocketAddress("192.0.2.7", 5004));
        assertThat(answer.codec()).isEqualTo(AudioCodec.PCMU);
        assertThat(answer.telephoneEventType()).isEmpty();
        assertThat(answer.keys()).isEmpty();
    }

    @Test
    void an_ipv6_answer_is_understood() {
        var answer = SdpAnswer.parse("v=0\r\ns=-\r\nc=IN IP6 2001:db8::7\r\nm=audio 5004 RTP/AVP 8\r\n", false);

        assertThat(answer.remote()).isEqualTo(new InetSocketAddress("2001:db8::7", 5004));
        assertThat(answer.codec()).isEqualTo(AudioCodec.PCMA);
    }

    @Test
    void answers_we_cannot_use_are_refused_with_the_reason() {
        assertThatThrownBy(() -> SdpAnswer.parse(answer("m=video 5004 RTP/AVP 96"), false))
                .isInstanceOf(SdpException.class)
                .hasMessageContaining("no audio stream");
        assertThatThrownBy(() -> SdpAnswer.parse(answer("m=audio 0 RTP/AVP 0"), false))
                .hasMessageContaining("declined");
        assertThatThrownBy(
                        () -> SdpAnswer.parse(answer("m=audio 5004 RTP/AVP 111", "a=rtpmap:111 opus/48000/2"), false))
                .hasMessageContaining("no codec we offered");
        assertThatThrownBy(() -> SdpAnswer.parse(answer("m=audio 5004 RTP/AVP 0"), true))
                .hasMessageContaining("offered SRTP and the answer is plain RTP");
        assertThatThrownBy(() -> SdpAnswer.parse(answer("m=audio 5004 RTP/SAVP 0"), true))
                .hasMessageContaining("without a=crypto");
        assertThatThrownBy(() -> SdpAnswer.parse(
                        answer("m=audio 5004 RTP/SAVP 0", "a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:abc"), true))
                .hasMessageContaining("AES_256_CM_HMAC_SHA1_80");
        assertThatThrownBy(() -> SdpAnswer.parse(
                        answer(
                                "m=audio 5004 RTP/SAVP 0",
                                "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + KEYS.inline() + "|2^20|1:4"),
                        true))
                .hasMessageContaining("MKI");
        assertThatThrownBy(() -> SdpAnswer.parse(answer("m=audio 9 UDP/TLS/RTP/SAVPF 0"), true))
                .hasMessageContaining("no DTLS");
        assertThatThrownBy(() -> SdpAnswer.parse(
                        "v=0\r\ns=-\r\nc=IN IP4 media.example.com\r\nm=audio 5004 RTP/AVP 0\r\n", false))
                .hasMessageContaining("not an IP address");
        assertThatThrownBy(
                        () -> SdpAnswer.parse("v=0\r\ns=-\r\nc=IN IP4 deadbeef\r\nm=audio 5004 RTP/AVP 0\r\n", false))
                .hasMessageContaining("not an IP address");
    }
}
