package io.batchcall.telephony.media;

import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * Our SDP offer for one audio stream (RFC 3264): PCMU and PCMA, telephone-event/8000, 20 ms packets, and with SDES
 * keys {@code RTP/SAVP} plus one {@code a=crypto} line (RFC 4568). {@code sessionId} goes into the o= line; the
 * caller picks it (a random or clock-derived number) so that this stays free of clocks.
 */
public record SdpOffer(InetSocketAddress media, long sessionId, Optional<SrtpKeys> keys) {
    public String text() {
        var address = media.getAddress();
        var family = address instanceof java.net.Inet6Address ? "IP6" : "IP4";
        var host = address.getHostAddress();
        var profile = keys.isPresent() ? "RTP/SAVP" : "RTP/AVP";
        var sdp = new StringBuilder()
                .append("v=0\r\n")
                .append("o=batchcall ")
                .append(sessionId)
                .append(' ')
                .append(sessionId)
                .append(" IN ")
                .append(family)
                .append(' ')
                .append(host)
                .append("\r\n")
                .append("s=batchcall\r\n")
                .append("c=IN ")
                .append(family)
                .append(' ')
                .append(host)
                .append("\r\n")
                .append("t=0 0\r\n")
                .append("m=audio ")
                .append(media.getPort())
                .append(' ')
                .append(profile);
        for (var codec : AudioCodec.values()) {
            sdp.append(' ').append(codec.payloadType());
        }
        sdp.append(' ').append(TelephoneEvent.DEFAULT_PAYLOAD_TYPE).append("\r\n");
        for (var codec : AudioCodec.values()) {
            sdp.append("a=rtpmap:")
                    .append(codec.payloadType())
                    .append(' ')
                    .append(codec.encodingName())
                    .append("/8000\r\n");
        }
        sdp.append("a=rtpmap:")
                .append(TelephoneEvent.DEFAULT_PAYLOAD_TYPE)
                .append(" telephone-event/8000\r\n")
                .append("a=fmtp:")
                .append(TelephoneEvent.DEFAULT_PAYLOAD_TYPE)
                .append(" 0-16\r\n")
                .append("a=ptime:20\r\n");
        keys.ifPresent(k -> sdp.append("a=crypto:1 ")
                .append(SrtpKeys.SUITE)
                .append(" inline:")
                .append(k.inline())
                .append("\r\n"));
        sdp.append("a=sendrecv\r\n");
        return sdp.toString();
    }
}
