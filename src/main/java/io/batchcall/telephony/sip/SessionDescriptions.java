package io.batchcall.telephony.sip;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The SDP batchcall writes. batchcall carries no media: its first offer to the trunk is an inactive stream (a
 * trunk wants an offer in the INVITE, and nothing should flow before the agent is there); later offers to the
 * trunk are the agent's own description under our origin line, so media flows between trunk and agent.
 */
final class SessionDescriptions {
    /** RTP payload types of the codecs the phone-number API lets a trunk enable, as RFC 3551 numbers them. */
    private static final Map<String, Integer> PAYLOAD_TYPES = Map.of("PCMU/8000", 0, "PCMA/8000", 8, "G722/8000", 9);

    private static final List<String> ALL_CODECS = List.of("PCMU/8000", "PCMA/8000", "G722/8000");
    private static final int TELEPHONE_EVENT = 101;
    /** The discard port: an inactive stream needs a port, and nothing listens for it. */
    private static final int DISCARD_PORT = 9;

    private static final Pattern ORIGIN = Pattern.compile("(?m)^o=.*$");

    private SessionDescriptions() {}

    /** The placeholder offer of the first INVITE: the enabled codecs (all when none are), inactive. */
    static String inactiveOffer(String host, long sessionId, List<String> enabledCodecs) {
        var codecs = enabledCodecs.isEmpty() ? ALL_CODECS : enabledCodecs;
        var payloads = new ArrayList<String>();
        var maps = new StringBuilder();
        for (var codec : codecs) {
            var type = PAYLOAD_TYPES.get(codec);
            if (type != null) {
                payloads.add(type.toString());
                maps.append("a=rtpmap:").append(type).append(' ').append(codec).append("\r\n");
            }
        }
        payloads.add(Integer.toString(TELEPHONE_EVENT));
        return "v=0\r\n"
                + origin(host, sessionId, 1) + "\r\n"
                + "s=batchcall\r\n"
                + "c=IN IP4 " + host + "\r\n"
                + "t=0 0\r\n"
                + "m=audio " + DISCARD_PORT + " RTP/AVP " + String.join(" ", payloads) + "\r\n"
                + maps
                + "a=rtpmap:" + TELEPHONE_EVENT + " telephone-event/8000\r\n"
                + "a=fmtp:" + TELEPHONE_EVENT + " 0-16\r\n"
                + "a=ptime:20\r\n"
                + "a=inactive\r\n";
    }

    /**
     * Another party's description offered on our behalf: unchanged except its origin line, which in one dialog
     * must stay ours with a version one higher than our last (RFC 3264 section 8).
     */
    static String reoffer(String description, String host, long sessionId, long version) {
        return ORIGIN.matcher(description).replaceFirst(origin(host, sessionId, version));
    }

    private static String origin(String host, long sessionId, long version) {
        return "o=batchcall " + sessionId + " " + version + " IN IP4 " + host;
    }
}
