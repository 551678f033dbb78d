package io.batchcall.telephony.media;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.batchcall.config.MediaConfig;
import io.batchcall.support.Await;
import io.javalin.Javalin;
import io.javalin.websocket.WsContext;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A bridged call end to end on loopback: a fake caller (a UDP socket speaking SRTP or RTP, as a WhatsApp or SIP
 * trunk media peer would) and a fake agent (a WebSocket server speaking Twilio's Media Streams, as the agents we
 * bridge to do), with the bridge between them.
 */
class MediaBridgeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration BOUND = Duration.ofSeconds(10);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final MediaPorts ports = new MediaPorts(new MediaConfig("127.0.0.1", 41_000, 41_999, 5, BOUND));
    private final FakeAgent agent = new FakeAgent();
    private final List<MediaBridge.End> ends = new CopyOnWriteArrayList<>();
    private FakeCaller caller;
    private MediaBridge bridge;

    @BeforeEach
    void start() throws SocketException {
        caller = new FakeCaller();
    }

    @AfterEach
    void stop() {
        if (bridge != null) {
            bridge.stop();
        }
        caller.close();
        agent.close();
    }

    @Test
    void an_srtp_caller_and_a_websocket_agent_hear_each_other_with_dtmf_both_ways() throws IOException {
        var callerKeys = SrtpKeys.generate(RANDOM);
        bridge = MediaBridge.open(ports, true, RANDOM);
        var offer = bridge.offer(1);
        var ourKeys = SrtpKeys.ofInline(offer.text().replaceAll("(?s).*inline:([^\\r\\n|]+).*", "$1"));
        var agentTone = AudioCodec.PCMU.encode(Tones.sine(1_000, 3_200, 8_000));
        agent.onStart = ws -> {
            ws.send(agentMedia(agentTone));
            ws.send("{\"event\":\"mark\",\"streamSid\":\"x\",\"mark\":{\"name\":\"greeting-done\"}}");
        };

        bridge.start(
                caller.answer("RTP/SAVP", 0, Optional.of(callerKeys)),
                new MediaBridge.AgentTarget(agent.url(), "CA1", Map.of("batch_id", "b-1", "var_name", "Ada")),
                ends::add);
        var callerTone = AudioCodec.PCMU.encode(Tones.sine(440, 4_000, 8_000));
        var callerSrtp = new SrtpContext(callerKeys);
        var packets = new ArrayList<byte[]>();
        for (int i = 0; i < 25; i++) {
            var payload = java.util.Arrays.copyOfRange(callerTone, i * 160, (i + 1) * 160);
            packets.add(callerSrtp.protect(new RtpPacket(i == 0, 0, 1_000 + i, 5_000 + 160L * i, 99, payload)));
        }
        java.util.Collections.swap(packets, 10, 11); // the network reorders two packets
        var tampered = packets.get(3).clone();
        tampered[30] ^= 0x55;
        caller.send(tampered, bridge.localAddress());
        for (var packet : packets) {
            caller.send(packet, bridge.localAddress());
        }
        for (int i = 0; i < 6; i++) { // the key 5: three growing packets, then the end packet three times
            var event = TelephoneEvent.of('5', i >= 3, 160 * Math.min(i + 1, 4));
            caller.send(
                    callerSrtp.protect(new RtpPacket(i == 0, 101, 1_025 + i, 9_000, 99, event.toBytes())),
                    bridge.localAddress());
        }
        bridge.sendDigits("7");

        Await.until(
                BOUND,
                "the agent hears 25 packets of the caller",
                () -> agent.media().size() >= 25);
        var heard = new java.io.ByteArrayOutputStream();
        for (var media : agent.media()) {
            assertThat(media.at("/media/track").asText()).isEqualTo("inbound");
            heard.write(Base64.getDecoder().decode(media.at("/media/payload").asText()));
        }
        assertThat(heard.toByteArray()).isEqualTo(java.util.Arrays.copyOf(callerTone, 25 * 160));
        assertThat(agent.media().get(24).at("/media/timestamp").asText()).isEqualTo("480");
        Await.until(
                BOUND,
                "the agent is told of the key",
                () -> !agent.events("dtmf").isEmpty());
        assertThat(agent.events("dtmf"))
                .singleElement()
                .satisfies(dtmf -> assertThat(dtmf.at("/dtmf/digit").asText()).isEqualTo("5"));
        var start = agent.events("start").getFirst();
        assertThat(start.at("/start/callSid").asText()).isEqualTo("CA1");
        assertThat(start.at("/start/customParameters/var_name").asText()).isEqualTo("Ada");
        assertThat(start.at("/start/mediaFormat/encoding").asText()).isEqualTo("audio/x-mulaw");
        assertThat(start.at("/start/mediaFormat/sampleRate").asInt()).isEqualTo(8000);
        assertThat(start.at("/streamSid").asText()).isNotBlank();
        assertThat(agent.events("connected")).hasSize(1);

        var received = new CallerAudio(new SrtpContext(ourKeys));
        Await.until(BOUND, "the caller hears the agent's tone and the key 7", () -> {
            received.take(caller);
            return received.contains(agentTone) && received.digitsEnded.contains('7');
        });
        Await.until(
                BOUND,
                "the agent's mark comes back once its audio has played",
                () -> !agent.events("mark").isEmpty());
        assertThat(agent.events("mark").getFirst().at("/mark/name").asText()).isEqualTo("greeting-done");
        assertThat(received.payloadType).isEqualTo(0);

        var counters = bridge.counters();
        assertThat(counters.packetsIn()).isEqualTo(31);
        assertThat(counters.rejected()).isEqualTo(1);
        assertThat(counters.digitsIn()).isEqualTo(1);
        assertThat(counters.digitsOut()).isEqualTo(1);
        assertThat(counters.packetsOut()).isGreaterThan(20);
        assertThat(counters.lost()).isZero();
    }

    @Test
    void a_plain_rtp_caller_speaking_a_law_is_transcoded_to_and_from_the_agents_mu_law() throws IOException {
        bridge = MediaBridge.open(ports, false, RANDOM);
        assertThat(bridge.offer(7).text()).contains("RTP/AVP").doesNotContain("a=crypto");
        var agentTone = AudioCodec.PCMU.encode(Tones.sine(1_000, 1_600, 8_000));
        agent.onStart = ws -> ws.send(agentMedia(agentTone));
        bridge.start(
                caller.answer("RTP/AVP", 8, Optional.empty()),
                new MediaBridge.AgentTarget(agent.url(), "CA2", Map.of()),
                ends::add);
        var tone = AudioCodec.PCMA.encode(Tones.sine(440, 1_600, 8_000));
        for (int i = 0; i < 10; i++) {
            var payload = java.util.Arrays.copyOfRange(tone, i * 160, (i + 1) * 160);
            caller.send(new RtpPacket(false, 8, i, 160L * i, 5, payload).toBytes(), bridge.localAddress());
        }

        Await.until(BOUND, "the agent hears the caller", () -> agent.media().size() >= 10);
        var heard = new java.io.ByteArrayOutputStream();
        for (var media : agent.media()) {
            heard.write(Base64.getDecoder().decode(media.at("/media/payload").asText()));
        }
        var samples = AudioCodec.PCMU.decode(heard.toByteArray());
        assertThat(Tones.dominantFrequency(samples, new int[] {300, 440, 1_000}))
                .isEqualTo(440);
        var received = new CallerAudio(null);
        Await.until(BOUND, "the caller gets the agent's tone in A-law packets", () -> {
            received.take(caller);
            return received.contains(AudioCodec.PCMU.transcode(agentTone, AudioCodec.PCMA));
        });
        assertThat(received.payloadType).isEqualTo(8);
        // RFC 3550 numbering: one stream (SSRC), sequence + 1 and timestamp + 160 per 20 ms packet.
        var sent = received.audioPackets;
        for (int i = 1; i < sent.size(); i++) {
            assertThat(sent.get(i).ssrc()).isEqualTo(sent.getFirst().ssrc());
            assertThat(sent.get(i).sequence()).isEqualTo((sent.get(i - 1).sequence() + 1) & 0xFFFF);
            assertThat(sent.get(i).timestamp()).isEqualTo((sent.get(i - 1).timestamp() + 160) & 0xFFFF_FFFFL);
        }
        assertThat(sent.getFirst().marker()).isTrue();
    }

    @Test
    void the_agents_clear_drops_its_queued_speech_and_brings_its_mark_back_at_once() throws IOException {
        bridge = MediaBridge.open(ports, false, RANDOM);
        var twentySeconds = AudioCodec.PCMU.encode(Tones.sine(1_000, 8_000 * 20, 8_000));
        var socket = new AtomicReference<WsContext>();
        agent.onStart = ws -> {
            socket.set(ws);
            ws.send(agentMedia(twentySeconds));
            ws.send("{\"event\":\"mark\",\"streamSid\":\"x\",\"mark\":{\"name\":\"end-of-speech\"}}");
        };
        bridge.start(
                caller.answer("RTP/AVP", 0, Optional.empty()),
                new MediaBridge.AgentTarget(agent.url(), "CA8", Map.of()),
                ends::add);
        var received = new CallerAudio(null);
        Await.until(BOUND, "the caller hears the agent speak", () -> {
            received.take(caller);
            return received.contains(java.util.Arrays.copyOfRange(twentySeconds, 800, 1_600));
        });

        socket.get().send("{\"event\":\"clear\",\"streamSid\":\"x\"}");

        // The speech had 20 s left; the mark comes back within the 10 s bound only because clear dropped it.
        Await.until(BOUND, "the mark comes back", () -> !agent.events("mark").isEmpty());
        assertThat(agent.events("mark").getFirst().at("/mark/name").asText()).isEqualTo("end-of-speech");
        Await.until(BOUND, "the caller hears silence", () -> {
            received.take(caller);
            return received.lastPacketIsSilence();
        });
        assertThat(bridge.counters().droppedAgentBytes()).isZero();
    }

    @Test
    void a_second_of_agent_audio_sent_at_once_reaches_the_caller_paced_in_20_ms_packets() throws IOException {
        bridge = MediaBridge.open(ports, false, RANDOM);
        var oneSecond = AudioCodec.PCMU.encode(Tones.sine(1_000, 8_000, 8_000));
        agent.onStart = ws -> ws.send(agentMedia(oneSecond));
        bridge.start(
                caller.answer("RTP/AVP", 0, Optional.empty()),
                new MediaBridge.AgentTarget(agent.url(), "CA9", Map.of()),
                ends::add);

        var received = new CallerAudio(null);
        Await.until(BOUND, "the caller hears the whole second", () -> {
            received.take(caller);
            return received.contains(oneSecond);
        });

        // The 50 packets that carry the second: first and last are 49 x 20 ms apart when paced. The bound is
        // lower (a stall of up to 200 ms is caught up with a short burst), and far above a burst's few ms.
        int first = -1;
        int last = -1;
        for (int i = 0; i < received.audioPackets.size(); i++) {
            boolean silent = true;
            for (byte code : received.audioPackets.get(i).payload()) {
                silent &= code == AudioCodec.PCMU.silence();
            }
            if (!silent && first < 0) {
                first = i;
            }
            if (!silent) {
                last = i;
            }
        }
        assertThat(last - first).isEqualTo(49);
        var spread = Duration.ofNanos(received.audioArrivals.get(last) - received.audioArrivals.get(first));
        assertThat(spread).isGreaterThan(Duration.ofMillis(700));
    }

    @Test
    void the_agent_closing_its_socket_ends_the_bridge() throws IOException {
        bridge = MediaBridge.open(ports, false, RANDOM);
        agent.onStart = WsContext::closeSession;

        bridge.start(
                caller.answer("RTP/AVP", 0, Optional.empty()),
                new MediaBridge.AgentTarget(agent.url(), "CA3", Map.of()),
                ends::add);

        Await.until(BOUND, "the bridge ends", () -> !ends.isEmpty());
        assertThat(bridge.isEnded()).isTrue();
        assertThat(ends).containsExactly(MediaBridge.End.AGENT_CLOSED);
        assertThat(caller.socket.isClosed()).isFalse();
    }

    @Test
    void stopping_the_bridge_sends_the_agent_stop_and_closes_its_socket() throws IOException {
        bridge = MediaBridge.open(ports, false, RANDOM);
        bridge.start(
                caller.answer("RTP/AVP", 0, Optional.empty()),
                new MediaBridge.AgentTarget(agent.url(), "CA4", Map.of()),
                ends::add);
        Await.until(BOUND, "the stream starts", () -> !agent.events("start").isEmpty());

        bridge.stop();
        bridge.stop();

        Await.until(BOUND, "the agent's socket closes", () -> agent.closed.get() != null);
        assertThat(agent.events("stop"))
                .singleElement()
                .satisfies(stop -> assertThat(stop.at("/stop/callSid").asText()).isEqualTo("CA4"));
        assertThat(ends).containsExactly(MediaBridge.End.STOPPED);
    }

    @Test
    void an_unreachable_agent_or_a_silent_caller_ends_the_bridge_with_that_reason() throws IOException {
        var unreachable = MediaBridge.open(ports, false, RANDOM);
        var unreachableEnds = new CopyOnWriteArrayList<MediaBridge.End>();
        int closedPort;
        try (var probe = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        unreachable.start(
                caller.answer("RTP/AVP", 0, Optional.empty()),
                new MediaBridge.AgentTarget(URI.create("ws://127.0.0.1:" + closedPort + "/media"), "CA5", Map.of()),
                unreachableEnds::add);
        Await.until(BOUND, "the bridge gives the agent up", () -> !unreachableEnds.isEmpty());
        assertThat(unreachable.isEnded()).isTrue();
        assertThat(unreachableEnds).containsExactly(MediaBridge.End.AGENT_UNREACHABLE);

        var quickPorts = new MediaPorts(new MediaConfig("127.0.0.1", 41_000, 41_999, 5, Duration.ofMillis(300)));
        bridge = MediaBridge.open(quickPorts, false, RANDOM);
        bridge.start(
                caller.answer("RTP/AVP", 0, Optional.empty()),
                new MediaBridge.AgentTarget(agent.url(), "CA6", Map.of()),
                ends::add);
        Await.until(BOUND, "the bridge gives the silent caller up", () -> !ends.isEmpty());
        assertThat(ends).containsExactly(MediaBridge.End.CALLER_SILENT);
    }

    @Test
    void an_answer_the_bridge_cannot_use_is_refused_before_anything_starts() {
        bridge = MediaBridge.open(ports, true, RANDOM);

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> bridge.start(
                        caller.answer("RTP/AVP", 0, Optional.empty()),
                        new MediaBridge.AgentTarget(agent.url(), "CA7", Map.of()),
                        ends::add))
                .isInstanceOf(SdpException.class);
        assertThat(agent.events("connected")).isEmpty();
        assertThat(bridge.isEnded()).isFalse();
    }

    private static String agentMedia(byte[] ulaw) {
        return "{\"event\":\"media\",\"streamSid\":\"x\",\"media\":{\"payload\":\""
                + Base64.getEncoder().encodeToString(ulaw) + "\"}}";
    }

    /** The caller's media peer: a UDP socket on loopback. */
    private static final class FakeCaller implements AutoCloseable {
        final DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        /** A datagram and when it arrived (System.nanoTime). */
        record Arrival(long nanos, byte[] bytes) {}

        final LinkedBlockingQueue<Arrival> inbox = new LinkedBlockingQueue<>();
        final Thread reader;

        FakeCaller() throws SocketException {
            reader = Thread.ofVirtual().start(() -> {
                var buffer = new byte[2_048];
                while (!socket.isClosed()) {
                    var datagram = new DatagramPacket(buffer, buffer.length);
                    try {
                        socket.receive(datagram);
                    } catch (IOException e) {
                        return;
                    }
                    inbox.add(new Arrival(System.nanoTime(), java.util.Arrays.copyOf(buffer, datagram.getLength())));
                }
            });
        }

        String answer(String profile, int payloadType, Optional<SrtpKeys> keys) {
            var sdp = "v=0\r\no=caller 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                    + "m=audio " + socket.getLocalPort() + " " + profile + " " + payloadType + " 101\r\n"
                    + "a=rtpmap:101 telephone-event/8000\r\n";
            return sdp
                    + keys.map(k -> "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + k.inline() + "\r\n")
                            .orElse("");
        }

        void send(byte[] bytes, InetSocketAddress to) throws IOException {
            socket.send(new DatagramPacket(bytes, bytes.length, to));
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    /** What the caller has received from the bridge so far: audio bytes in order, and the keys that ended. */
    private static final class CallerAudio {
        final SrtpContext srtp;
        final java.io.ByteArrayOutputStream audio = new java.io.ByteArrayOutputStream();
        final List<Character> digitsEnded = new ArrayList<>();
        final List<RtpPacket> audioPackets = new ArrayList<>();
        final List<Long> audioArrivals = new ArrayList<>();
        int payloadType = -1;

        CallerAudio(SrtpContext srtp) {
            this.srtp = srtp;
        }

        void take(FakeCaller caller) {
            FakeCaller.Arrival arrival;
            while ((arrival = caller.inbox.poll()) != null) {
                var bytes = arrival.bytes();
                var packet = srtp == null ? RtpPacket.parse(bytes, bytes.length) : srtp.unprotect(bytes, bytes.length);
                assertThat(packet)
                        .as("every packet from the bridge authenticates")
                        .isPresent();
                if (packet.get().payloadType() == 101) {
                    var event = TelephoneEvent.parse(packet.get().payload()).orElseThrow();
                    if (event.end() && !digitsEnded.contains(event.digit().orElseThrow())) {
                        digitsEnded.add(event.digit().orElseThrow());
                    }
                } else {
                    payloadType = packet.get().payloadType();
                    audio.writeBytes(packet.get().payload());
                    audioPackets.add(packet.get());
                    audioArrivals.add(arrival.nanos());
                }
            }
        }

        boolean lastPacketIsSilence() {
            if (audioPackets.isEmpty()) {
                return false;
            }
            var codec = AudioCodec.ofPayloadType(payloadType).orElseThrow();
            for (byte code : audioPackets.getLast().payload()) {
                if (code != codec.silence()) {
                    return false;
                }
            }
            return true;
        }

        boolean contains(byte[] expected) {
            var heard = audio.toByteArray();
            outer:
            for (int start = 0; start + expected.length <= heard.length; start++) {
                for (int i = 0; i < expected.length; i++) {
                    if (heard[start + i] != expected[i]) {
                        continue outer;
                    }
                }
                return true;
            }
            return false;
        }
    }

    /** An agent on a loopback WebSocket that records every Media Streams message and can answer a start. */
    private static final class FakeAgent implements AutoCloseable {
        final List<JsonNode> messages = new CopyOnWriteArrayList<>();
        final AtomicReference<String> closed = new AtomicReference<>();
        volatile java.util.function.Consumer<WsContext> onStart = ws -> {};
        final Javalin server;

        FakeAgent() {
            server = Javalin.create(config -> {
                        config.startup.showJavalinBanner = false;
                        config.jetty.host = "127.0.0.1";
                        config.jetty.port = 0;
                        config.routes.ws("/media", ws -> {
                            ws.onMessage(ctx -> {
                                var message = JSON.readTree(ctx.message());
                                messages.add(message);
                                if ("start".equals(message.path("event").asText())) {
                                    onStart.accept(ctx);
                                }
                            });
                            ws.onClose(ctx -> closed.set("closed " + ctx.status()));
                        });
                    })
                    .start();
        }

        URI url() {
            return URI.create("ws://127.0.0.1:" + server.port() + "/media");
        }

        List<JsonNode> events(String event) {
            return messages.stream()
                    .filter(m -> event.equals(m.path("event").asText()))
                    .toList();
        }

        List<JsonNode> media() {
            return events("media");
        }

        @Override
        public void close() {
            server.stop();
        }
    }
}
