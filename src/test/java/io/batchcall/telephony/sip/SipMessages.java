package io.batchcall.telephony.sip;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Reading and writing SIP messages in the trunk tests: sipp traces, forged requests, digests, call overlaps. */
final class SipMessages {
    /** How long one call of the trunk tests may take, from submit to its end. */
    static final Duration CALL_BOUND = Duration.ofSeconds(20);

    private SipMessages() {}

    /** The most calls up at once, from each attempt's dial to its end (an end at the same ms frees first). */
    static int maxOverlap(List<JsonNode> attempts) {
        var events = new ArrayList<long[]>();
        for (var attempt : attempts) {
            events.add(new long[] {attempt.get("dialed_at_unix_ms").asLong(), 1});
            events.add(new long[] {attempt.get("ended_at_unix_ms").asLong(), -1});
        }
        events.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        int up = 0;
        int max = 0;
        for (var event : events) {
            up += (int) event[1];
            max = Math.max(max, up);
        }
        return max;
    }
    /** Both sides got the other's media description: the agent's in the trunk's re-INVITE, the trunk's in the ACK. */
    static void assertMediaFlowsBetween(Sipp trunk, Sipp agent) {
        var reinvite = message(trunk.messages(), "INVITE sip:trunk@");
        assertThat(reinvite)
                .contains("m=audio " + agent.mediaPort() + " RTP/AVP 8 0")
                .contains("o=batchcall ");
        var ack = message(agent.messages(), "ACK sip:agent@");
        assertThat(ack).contains("m=audio " + trunk.mediaPort() + " RTP/AVP 8");
        var firstInvite = message(trunk.messages(), "INVITE sip:+1");
        assertThat(firstInvite).contains("a=inactive").doesNotContain("m=audio " + agent.mediaPort());
    }

    static String forgedInDialog(String method, String invite, int ourPort, DatagramSocket forger) {
        return method + " sip:batchcall@127.0.0.1:" + ourPort + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:" + forger.getLocalPort() + ";rport;branch=z9hG4bKforged"
                + method + "\r\n"
                + "From:" + value(invite, "To") + ";tag=forged\r\n"
                + "To:" + value(invite, "From") + "\r\n"
                + "Call-ID:" + value(invite, "Call-ID") + "\r\n"
                + "CSeq: 500 " + method + "\r\n"
                + "Contact: <sip:forger@127.0.0.1:" + forger.getLocalPort() + ">\r\n"
                + "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
    }
    /** Sends a request and returns the first final (non-1xx) response to it. */
    static String finalAnswer(DatagramSocket socket, int port, String request) throws java.io.IOException {
        var bytes = request.getBytes(StandardCharsets.US_ASCII);
        socket.send(new DatagramPacket(bytes, bytes.length, InetAddress.getLoopbackAddress(), port));
        socket.setSoTimeout(5_000);
        while (true) {
            var packet = new DatagramPacket(new byte[8_192], 8_192);
            socket.receive(packet);
            var answer = new String(packet.getData(), 0, packet.getLength(), StandardCharsets.US_ASCII);
            if (!answer.startsWith("SIP/2.0 1")) {
                return answer;
            }
        }
    }
    /** One header line of a message, as it is written there (name included). */
    static String header(String message, String name) {
        return message.lines()
                .filter(line -> line.startsWith(name + ":"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " in\n" + message));
    }
    /** The value of one header of a message, after its colon. */
    static String value(String message, String name) {
        return header(message, name).substring(name.length() + 1);
    }
    /** The first message in a sipp trace that starts with {@code startLine}, up to the next trace separator. */
    static String message(String trace, String startLine) {
        int start = trace.indexOf(startLine);
        assertThat(start)
                .as("a message starting with " + startLine + " in\n" + trace)
                .isNotNegative();
        int end = trace.indexOf("-----", start);
        return end < 0 ? trace.substring(start) : trace.substring(start, end);
    }

    static String credentials(String password) {
        return ",\"credentials\":{\"username\":\"trunkuser\",\"password\":\"" + password + "\"}";
    }

    static String expectedDigest(int trunkPort, String password) {
        var ha1 = md5("trunkuser:trunk.example:" + password);
        var ha2 = md5("INVITE:sip:+14155560000@127.0.0.1:" + trunkPort + ";transport=udp");
        return md5(ha1 + ":4711abcdef:" + ha2);
    }

    static String md5(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
