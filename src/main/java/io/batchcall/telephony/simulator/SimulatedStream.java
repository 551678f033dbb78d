package io.batchcall.telephony.simulator;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A simulated call's media stream to its agent, when the agent has a {@code media_stream_url}: the simulator opens
 * the WebSocket as Twilio's Media Streams would on answer and sends Twilio's {@code connected} and {@code start}
 * messages (with the call's {@code customParameters}), then {@code stop} and a close when the call ends. No audio
 * is sent: the simulator has no caller to speak. It lets an agent be tried end to end (read its data, report its
 * result) without a phone. A stream that cannot open or breaks never changes the call's outcome.
 */
final class SimulatedStream {
    private static final Logger log = LoggerFactory.getLogger(SimulatedStream.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();

    private final String streamSid;
    private final String callSid;
    /**
     * The socket once every message queued so far has been sent. A WebSocket takes one send at a time (a second
     * one while the first is under way fails), so each message is chained after the one before.
     */
    private CompletableFuture<WebSocket> sent;

    private SimulatedStream(String streamSid, String callSid, CompletableFuture<WebSocket> socket) {
        this.streamSid = streamSid;
        this.callSid = callSid;
        this.sent = socket;
    }

    /** Opens the stream and sends {@code connected} and {@code start}. */
    static SimulatedStream open(String url, String callSid, Map<String, String> parameters) {
        var streamSid = "MZ" + callSid;
        var socket = HTTP.newWebSocketBuilder()
                .connectTimeout(CONNECT_TIMEOUT)
                .buildAsync(URI.create(url), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        // The agent's audio and marks go nowhere: nobody listens on a simulated line.
                        webSocket.request(1);
                        return null;
                    }
                });
        var stream = new SimulatedStream(streamSid, callSid, socket);
        stream.send(Map.of("event", "connected", "protocol", "Call", "version", "1.0.0"));
        stream.send(Map.of(
                "event",
                "start",
                "sequenceNumber",
                "1",
                "streamSid",
                streamSid,
                "start",
                Map.of(
                        "streamSid",
                        streamSid,
                        "callSid",
                        callSid,
                        "accountSid",
                        "",
                        "tracks",
                        java.util.List.of("inbound"),
                        "customParameters",
                        parameters,
                        "mediaFormat",
                        Map.of("encoding", "audio/x-mulaw", "sampleRate", 8000, "channels", 1))));
        return stream;
    }

    /** The call ended: {@code stop}, then a normal close. */
    void close() {
        send(Map.of(
                "event",
                "stop",
                "sequenceNumber",
                "2",
                "streamSid",
                streamSid,
                "stop",
                Map.of("accountSid", "", "callSid", callSid)));
        synchronized (this) {
            sent = sent.thenCompose(ws -> ws.sendClose(WebSocket.NORMAL_CLOSURE, "call ended"));
            sent.exceptionally(e -> null);
        }
    }

    private void send(Map<String, ?> message) {
        String text;
        try {
            text = JSON.writeValueAsString(message);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a map of strings and numbers always serialises", e);
        }
        synchronized (this) {
            sent = sent.thenCompose(ws -> ws.sendText(text, true));
            sent.exceptionally(e -> {
                log.debug("Simulated media stream message not sent callSid={} error={}", callSid, e.toString());
                return null;
            });
        }
    }
}
