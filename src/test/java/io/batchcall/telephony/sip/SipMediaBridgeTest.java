package io.batchcall.telephony.sip;

import static io.batchcall.telephony.sip.SipMessages.CALL_BOUND;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.batchcall.support.Await;
import io.batchcall.support.TestServer;
import io.batchcall.support.WithServer;
import io.javalin.Javalin;
import io.javalin.websocket.WsContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * sip_trunk calls to an agent that has only a media stream URL: sipp plays the trunk (RTP with PCMU), batchcall's
 * media bridge terminates the audio, and a fake agent on a loopback WebSocket speaks Twilio's Media Streams.
 */
@WithServer(env = "BATCHCALL_SIP_T1_MS=50")
class SipMediaBridgeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestServer server;
    private static TrunkCalls calls;

    @BeforeAll
    static void sippIsThere() {
        calls = TrunkCalls.whenSippIsInstalled(server);
    }

    @Test
    void the_invite_offers_the_bridges_media_and_the_agent_hears_the_callers_audio_until_the_trunk_hangs_up()
            throws IOException {
        var callerAudio = pattern(8_000, 0x10); // one second of μ-law the trunk plays
        var wav = Files.createTempFile("caller", ".wav");
        Files.write(wav, muLawWav(callerAudio));
        try (var agent = new FakeMediaAgent();
                var trunk = Sipp.start("trunk_answer_plays_pcmu.xml", Map.of("WAV_FILE", wav.toString()), 1)) {
            var batch = submit(calls.number(trunk, ""), agent, "{\"first_name\":\"Ada\"}");

            var attempt = calls.awaitAttempts(batch).get(0);

            assertThat(attempt.get("outcome").asText()).as(attempt.toString()).isEqualTo("completed");
            assertThat(attempt.get("answered_at_unix_ms").isNumber()).isTrue();
            assertThat(trunk.awaitExit(CALL_BOUND)).as(trunk.diagnostics()).isZero();
            var invite = trunk.messages();
            assertThat(invite)
                    .contains("m=audio ")
                    .contains("RTP/AVP 0 8 101")
                    .contains("a=rtpmap:101 telephone-event/8000")
                    .contains("a=sendrecv")
                    .doesNotContain("a=inactive");
            var start = agent.awaitEvent("start");
            var parameters = start.path("start").path("customParameters");
            var recipient = calls.batch(batch).get("recipients").get(0);
            assertThat(parameters.path("conversation_id").asText())
                    .isEqualTo(recipient.get("conversation_id").asText());
            assertThat(parameters.path("batch_id").asText()).isEqualTo(batch);
            assertThat(parameters.path("recipient_id").asText()).isNotEmpty();
            assertThat(parameters.path("batchcall_token").asText()).isNotEmpty();
            assertThat(parameters.path("var_first_name").asText()).isEqualTo("Ada");
            assertThat(start.path("start").path("mediaFormat").path("encoding").asText())
                    .isEqualTo("audio/x-mulaw");
            // PCMU is passed through byte for byte: the agent gets what sipp played, from its first packet.
            Await.until(
                    CALL_BOUND,
                    "the agent hears the caller's second of audio",
                    () -> agent.heard().contains(hex(callerAudio)));
            Await.until(CALL_BOUND, "the agent gets stop after the trunk's BYE", () -> agent.stoppedAt.get() > 0);
            // At the BYE itself, not when the ended call is forgotten (64 x T1 = 3.2 s later here).
            assertThat(agent.stoppedAt.get() - attempt.get("ended_at_unix_ms").asLong())
                    .isBetween(-2_000L, 2_000L);
        }
    }

    @Test
    void the_agents_audio_reaches_the_trunk_and_its_closing_the_stream_hangs_up_the_trunk() {
        var agentAudio = pattern(4_000, 0x40); // half a second the agent says
        try (var agent = new FakeMediaAgent();
                var trunk = Sipp.start("trunk_answer_echoes.xml", 1, "-rtp_echo")) {
            agent.onStart = ws -> ws.send(media(agentAudio));
            // sipp sends every packet it gets back to its sender: what the agent hears back went through the trunk.
            agent.onMedia = ws -> {
                if (agent.heard().contains(hex(agentAudio))) {
                    ws.closeSession(1000, "bye");
                }
            };
            var batch = submit(calls.number(trunk, ""), agent, "{}");

            var attempt = calls.awaitAttempts(batch).get(0);

            assertThat(agent.heard()).contains(hex(agentAudio));
            assertThat(attempt.get("outcome").asText()).as(attempt.toString()).isEqualTo("completed");
            assertThat(trunk.awaitExit(CALL_BOUND)).as(trunk.diagnostics()).isZero();
            assertThat(trunk.messages()).contains("BYE sip:");
        }
    }

    @Test
    void an_agent_whose_media_stream_cannot_be_opened_fails_the_attempt_for_a_retry_and_the_trunk_is_hung_up()
            throws IOException {
        int closedPort;
        try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort(); // nothing listens there once it is closed
        }
        try (var trunk = Sipp.start("trunk_answer_echoes.xml", 1)) {
            var batch = submit(calls.number(trunk, ""), "ws://127.0.0.1:" + closedPort + "/media", "{}");

            var attempt = calls.awaitAttempts(batch).get(0);

            assertThat(attempt.get("outcome").asText()).as(attempt.toString()).isEqualTo("failed");
            assertThat(attempt.toString()).contains("the agent's media_stream_url could not be opened");
            assertThat(trunk.awaitExit(CALL_BOUND)).as(trunk.diagnostics()).isZero();
            assertThat(trunk.messages()).contains("BYE sip:");
        }
    }

    @Test
    void an_agent_with_neither_a_sip_uri_nor_a_media_stream_url_fails_the_batch_with_the_reason() {
        // Nothing is dialed, so no trunk needs to listen at the number's address.
        var created = calls.client().post("/v1/convai/agents/create", "{\"name\":\"Nowhere\"}");
        var response = calls.client().post("/v1/convai/batch-calling/submit", """
                {"call_name":"Nowhere","agent_id":"%s","agent_phone_number_id":"%s",
                 "recipients":[{"id":"r0","phone_number":"+14155560002"}]}""".formatted(
                        created.json().get("agent_id").asText(), calls.numberAt(9, "")));
        var batch = response.json().get("id").asText();

        calls.awaitFinished(batch);

        assertThat(calls.batch(batch).get("status").asText()).isEqualTo("failed");
        assertThat(calls.batch(batch).toString()).contains("has neither a sip_uri nor a media_stream_url");
    }

    private static String submit(String numberId, FakeMediaAgent agent, String dynamicVariables) {
        return submit(numberId, agent.url(), dynamicVariables);
    }

    private static String submit(String numberId, String mediaStreamUrl, String dynamicVariables) {
        var created = calls.client()
                .post(
                        "/v1/convai/agents/create",
                        "{\"name\":\"Stream agent\",\"media_stream_url\":\"" + mediaStreamUrl + "\"}");
        assertThat(created.status()).as(created.toString()).isEqualTo(200);
        var response = calls.client().post("/v1/convai/batch-calling/submit", """
                {"call_name":"Bridged","agent_id":"%s","agent_phone_number_id":"%s",
                 "recipients":[{"id":"r0","phone_number":"+14155560001",
                   "conversation_initiation_client_data":{"dynamic_variables":%s}}],
                 "telephony_call_config":{"ringing_timeout_secs":10}}""".formatted(
                        created.json().get("agent_id").asText(), numberId, dynamicVariables));
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json().get("id").asText();
    }

    /** Bytes that are neither μ-law silence nor one repeated value, so that finding them proves they came through. */
    private static byte[] pattern(int length, int base) {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (base + i % 37);
        }
        return bytes;
    }

    private static String hex(byte[] bytes) {
        return java.util.HexFormat.of().formatHex(bytes);
    }

    private static String media(byte[] ulaw) {
        return "{\"event\":\"media\",\"streamSid\":\"x\",\"media\":{\"payload\":\""
                + Base64.getEncoder().encodeToString(ulaw) + "\"}}";
    }

    /** A WAV file of 8 kHz mono μ-law (format 7), which sipp's rtp_stream plays as payload type 0. */
    private static byte[] muLawWav(byte[] ulaw) {
        var header = ByteBuffer.allocate(44).order(ByteOrder.LITTLE_ENDIAN);
        header.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(36 + ulaw.length);
        header.put("WAVEfmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16);
        header.putShort((short) 7).putShort((short) 1).putInt(8_000).putInt(8_000);
        header.putShort((short) 1).putShort((short) 8);
        header.put("data".getBytes(StandardCharsets.US_ASCII)).putInt(ulaw.length);
        var out = new ByteArrayOutputStream();
        out.writeBytes(header.array());
        out.writeBytes(ulaw);
        return out.toByteArray();
    }

    /** An agent on a loopback WebSocket that records every Media Streams message and the audio it carried. */
    private static final class FakeMediaAgent implements AutoCloseable {
        final List<JsonNode> messages = new CopyOnWriteArrayList<>();
        final StringBuffer audio = new StringBuffer();
        final AtomicReference<String> closed = new AtomicReference<>();
        /** When {@code stop} came, by the wall clock the server's timestamps use. */
        final java.util.concurrent.atomic.AtomicLong stoppedAt = new java.util.concurrent.atomic.AtomicLong();

        volatile Consumer<WsContext> onStart = ws -> {};
        volatile Consumer<WsContext> onMedia = ws -> {};
        final Javalin server;

        FakeMediaAgent() {
            server = Javalin.create(config -> {
                        config.startup.showJavalinBanner = false;
                        config.jetty.host = "127.0.0.1";
                        config.jetty.port = 0;
                        config.routes.ws("/media", ws -> {
                            ws.onMessage(ctx -> {
                                var message = JSON.readTree(ctx.message());
                                messages.add(message);
                                switch (message.path("event").asText()) {
                                    case "start" -> onStart.accept(ctx);
                                    case "stop" -> stoppedAt.set(System.currentTimeMillis());
                                    case "media" -> {
                                        audio.append(hex(Base64.getDecoder()
                                                .decode(message.path("media")
                                                        .path("payload")
                                                        .asText())));
                                        onMedia.accept(ctx);
                                    }
                                    default -> {}
                                }
                            });
                            ws.onClose(ctx -> closed.set("closed " + ctx.status()));
                        });
                    })
                    .start();
        }

        String url() {
            return "ws://127.0.0.1:" + server.port() + "/media";
        }

        String heard() {
            return audio.toString();
        }

        List<JsonNode> events(String event) {
            return messages.stream()
                    .filter(m -> event.equals(m.path("event").asText()))
                    .toList();
        }

        JsonNode awaitEvent(String event) {
            Await.until(
                    CALL_BOUND, "the agent gets " + event, () -> !events(event).isEmpty());
            return events(event).get(0);
        }

        @Override
        public void close() {
            server.stop();
        }
    }
}
