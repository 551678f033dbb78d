package io.batchcall.telephony.media;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * What the other side answered to our {@link SdpOffer}: where to send (its connection address and port), the codec
 * it chose (the first of our two it lists), the telephone-event payload type if it takes DTMF, and its SDES keys
 * when the stream is SRTP. {@link #parse} refuses what the bridge cannot do with an {@link SdpException} that says
 * what was wrong.
 */
public record SdpAnswer(
        InetSocketAddress remote, AudioCodec codec, OptionalInt telephoneEventType, Optional<SrtpKeys> keys) {
    // Literals only, so that InetAddress.getByName never turns into a DNS lookup.
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    /**
     * Parses an answer to an offer that was SRTP ({@code offeredSrtp}) or plain RTP.
     *
     * @throws SdpException when it has no usable audio stream, no codec we offered, or keys that do not match the
     *     offer
     */
    public static SdpAnswer parse(String sdp, boolean offeredSrtp) {
        Optional<String> sessionAddress = Optional.empty();
        Optional<String> mediaAddress = Optional.empty();
        String[] mediaLine = null;
        var rtpmaps = new HashMap<Integer, String>();
        var cryptos = new ArrayList<String>();
        boolean inAudio = false;
        boolean seenMedia = false;
        for (var raw : sdp.split("\r?\n")) {
            var line = raw.strip();
            if (line.length() < 2 || line.charAt(1) != '=') {
                continue;
            }
            var value = line.substring(2);
            switch (line.charAt(0)) {
                case 'm' -> {
                    seenMedia = true;
                    var fields = value.split(" +");
                    inAudio = mediaLine == null && fields.length >= 4 && fields[0].equals("audio");
                    if (inAudio) {
                        mediaLine = fields;
                    }
                }
                case 'c' -> {
                    if (!seenMedia) {
                        sessionAddress = Optional.of(value);
                    } else if (inAudio) {
                        mediaAddress = Optional.of(value);
                    }
                }
                case 'a' -> {
                    if (inAudio && value.startsWith("rtpmap:")) {
                        var parts = value.substring("rtpmap:".length()).split(" +", 2);
                        if (parts.length == 2) {
                            rtpmaps.put(payloadType(parts[0]), parts[1].strip());
                        }
                    } else if (inAudio && value.startsWith("crypto:")) {
                        cryptos.add(value.substring("crypto:".length()));
                    }
                }
                default -> {}
            }
        }
        if (mediaLine == null) {
            throw new SdpException("the answer has no audio stream (m=audio)");
        }
        int port = port(mediaLine[1]);
        if (port == 0) {
            throw new SdpException("the answer declined the audio stream (port 0)");
        }
        var profile = mediaLine[2];
        boolean srtp = profile.equals("RTP/SAVP");
        if (!srtp && !profile.equals("RTP/AVP")) {
            throw new SdpException("unsupported media profile " + profile + " (only RTP/AVP and RTP/SAVP with SDES;"
                    + " no DTLS or ICE)");
        }
        if (srtp != offeredSrtp) {
            throw new SdpException(
                    offeredSrtp ? "we offered SRTP and the answer is plain RTP" : "we offered RTP and got SRTP");
        }
        Optional<AudioCodec> codec = Optional.empty();
        OptionalInt telephoneEvent = OptionalInt.empty();
        for (int i = 3; i < mediaLine.length; i++) {
            int type = payloadType(mediaLine[i]);
            var name = encodingName(type, rtpmaps);
            if (codec.isEmpty()) {
                codec = name.flatMap(AudioCodec::ofEncodingName);
            }
            if (telephoneEvent.isEmpty()
                    && name.filter("telephone-event"::equalsIgnoreCase).isPresent()) {
                telephoneEvent = OptionalInt.of(type);
            }
        }
        if (codec.isEmpty()) {
            throw new SdpException("the answer has no codec we offered (PCMU or PCMA): m=audio "
                    + String.join(" ", List.of(mediaLine).subList(3, mediaLine.length)));
        }
        var sessionLevel = sessionAddress;
        var host = mediaAddress
                .or(() -> sessionLevel)
                .orElseThrow(() -> new SdpException("the answer has no connection address (c=)"));
        return new SdpAnswer(
                new InetSocketAddress(address(host), port),
                codec.get(),
                telephoneEvent,
                srtp ? keys(cryptos) : Optional.empty());
    }

    private static Optional<String> encodingName(int type, Map<Integer, String> rtpmaps) {
        var map = rtpmaps.get(type);
        if (map != null) {
            var slash = map.indexOf('/');
            if (map.indexOf("/8000") != slash || slash < 0) {
                return Optional.empty(); // another clock rate: not a codec we can play
            }
            return Optional.of(map.substring(0, slash));
        }
        return AudioCodec.ofPayloadType(type).map(AudioCodec::encodingName); // static types need no rtpmap
    }

    private static Optional<SrtpKeys> keys(List<String> cryptos) {
        if (cryptos.isEmpty()) {
            throw new SdpException("the answer is RTP/SAVP without a=crypto (DTLS-SRTP is not supported)");
        }
        var suites = new ArrayList<String>();
        for (var crypto : cryptos) {
            var fields = crypto.split(" +");
            if (fields.length < 3) {
                throw new SdpException("malformed a=crypto:" + crypto);
            }
            if (fields[1].equals(SrtpKeys.SUITE)) {
                if (!fields[2].startsWith("inline:")) {
                    throw new SdpException("a=crypto key method must be inline: " + fields[2]);
                }
                if (fields.length > 3) {
                    throw new SdpException("a=crypto session parameters are not supported: " + crypto);
                }
                return Optional.of(SrtpKeys.ofInline(fields[2].substring("inline:".length())));
            }
            suites.add(fields[1]);
        }
        throw new SdpException("the answer's crypto suites " + suites + " are not " + SrtpKeys.SUITE);
    }

    private static InetAddress address(String connection) {
        var fields = connection.split(" +");
        if (fields.length < 3 || !fields[0].equals("IN") || !(fields[1].equals("IP4") || fields[1].equals("IP6"))) {
            throw new SdpException("malformed connection line c=" + connection);
        }
        var host = fields[2].split("/")[0];
        boolean literal = fields[1].equals("IP4")
                ? IPV4.matcher(host).matches()
                : IPV6.matcher(host).matches();
        if (!literal) {
            // A name would need a DNS lookup on the media path; every peer we know answers with an address.
            throw new SdpException("the answer's connection address is not an IP address: " + host);
        }
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new SdpException("the answer's connection address is not an IP address: " + host);
        }
    }

    private static int port(String text) {
        try {
            int port = Integer.parseInt(text.split("/")[0]);
            if (port < 0 || port > 65_535) {
                throw new NumberFormatException();
            }
            return port;
        } catch (NumberFormatException e) {
            throw new SdpException("malformed port in m=audio: " + text);
        }
    }

    private static int payloadType(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new SdpException("malformed payload type: " + text);
        }
    }
}
