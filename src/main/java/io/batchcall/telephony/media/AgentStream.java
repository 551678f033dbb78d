package io.batchcall.telephony.media;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's side of a bridged call: a WebSocket to the agent's {@code media_stream_url} speaking Twilio's Media
 * Streams messages, so that an agent written for Twilio works unchanged. To the agent: {@code connected},
 * {@code start} (streamSid, callSid, customParameters, mediaFormat audio/x-mulaw 8000 mono), {@code media} (base64
 * μ-law, track inbound, chunk and timestamp), {@code dtmf}, {@code mark} (echoed when played) and {@code stop}.
 * From the agent: {@code media} (to be played to the caller), {@code mark} and {@code clear}.
 */
final class AgentStream {
    private static final Logger log = LoggerFactory.getLogger(AgentStream.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /**
     * Messages queued for the agent and not yet sent. An agent that stops reading would otherwise make the queue
     * (and memory) grow by 50 messages a second; beyond 5 s of audio the caller's media is dropped and counted.
     */
    private static final int MAX_PENDING_MEDIA = 250;

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();

    /** What the agent sends, and the socket's end. Called on the WebSocket's thread, one message at a time. */
    interface Listener {
        void onMedia(byte[] ulaw);

        void onMark(String name);

        void onClear();

        /** The socket closed or broke ({@code opened} false: it never opened). Called once. */
        void onClosed(boolean opened);
    }

    private final String streamSid;
    private final String callSid;
    private final Listener listener;
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicLong chunk = new AtomicLong();
    private final AtomicBoolean ended = new AtomicBoolean();
    private final java.util.concurrent.atomic.AtomicInteger pending = new java.util.concurrent.atomic.AtomicInteger();
    private final AtomicLong droppedMedia = new AtomicLong();
    private volatile boolean opened;
    /** The socket once every message queued so far is sent: a WebSocket takes one send at a time. */
    private CompletableFuture<WebSocket> sent;

    private AgentStream(String streamSid, String callSid, Listener listener) {
        this.streamSid = streamSid;
        this.callSid = callSid;
        this.listener = listener;
    }

    /** Connects and sends {@code connected} and {@code start}; failures arrive as {@link Listener#onClosed}. */
    static AgentStream open(URI url, String callSid, Map<String, String> customParameters, Listener listener) {
        var stream = new AgentStream("MZ" + callSid, callSid, listener);
        var socket = HTTP.newWebSocketBuilder()
                .connectTimeout(CONNECT_TIMEOUT)
                .buildAsync(url, stream.new Receiver())
                .whenComplete((ws, error) -> {
                    if (error != null) {
                        log.warn("Agent media stream did not open callSid={} error={}", callSid, error.toString());
                        stream.end();
                    } else {
                        stream.opened = true;
                    }
                });
        synchronized (stream) {
            stream.sent = socket;
        }
        var connected = new LinkedHashMap<String, Object>();
        connected.put("event", "connected");
        connected.put("protocol", "Call");
        connected.put("version", "1.0.0");
        stream.send(connected);
        var start = new LinkedHashMap<String, Object>();
        start.put("streamSid", stream.streamSid);
        start.put("accountSid", "");
        start.put("callSid", callSid);
        start.put("tracks", List.of("inbound"));
        start.put("customParameters", customParameters);
        start.put("mediaFormat", Map.of("encoding", "audio/x-mulaw", "sampleRate", 8000, "channels", 1));
        stream.sendEvent("start", "start", start);
        return stream;
    }

    String streamSid() {
        return streamSid;
    }

    /** 20 ms of the caller's audio, μ-law; {@code timestamp} in milliseconds since the stream started. */
    void sendMedia(byte[] ulaw, long timestampMillis) {
        if (pending.get() >= MAX_PENDING_MEDIA) {
            droppedMedia.incrementAndGet();
            return;
        }
        var media = new LinkedHashMap<String, Object>();
        media.put("track", "inbound");
        media.put("chunk", Long.toString(chunk.incrementAndGet()));
        media.put("timestamp", Long.toString(timestampMillis));
        media.put("payload", Base64.getEncoder().encodeToString(ulaw));
        sendEvent("media", "media", media);
    }

    /** Caller audio not sent because the agent did not keep up. */
    long droppedMedia() {
        return droppedMedia.get();
    }

    void sendDigit(char digit) {
        sendEvent("dtmf", "dtmf", Map.of("track", "inbound_track", "digit", String.valueOf(digit)));
    }

    /** The agent's mark has been played (or cleared). */
    void sendMark(String name) {
        sendEvent("mark", "mark", Map.of("name", name));
    }

    /** The call ended: {@code stop}, then a normal close. */
    void stop() {
        sendEvent("stop", "stop", Map.of("accountSid", "", "callSid", callSid));
        synchronized (this) {
            sent = sent.thenCompose(ws -> ws.sendClose(WebSocket.NORMAL_CLOSURE, "call ended"));
            sent.exceptionally(e -> null);
        }
    }

    private void sendEvent(String event, String bodyName, Map<String, ?> body) {
        var message = new LinkedHashMap<String, Object>();
        message.put("event", event);
        message.put("sequenceNumber", Long.toString(sequence.incrementAndGet()));
        message.put("streamSid", streamSid);
        message.put(bodyName, body);
        send(message);
    }

    private void send(Map<String, ?> message) {
        String text;
        try {
            text = JSON.writeValueAsString(message);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("maps of strings and numbers always serialise", e);
        }
        pending.incrementAndGet();
        synchronized (this) {
            sent = sent.thenCompose(ws -> ws.sendText(text, true));
            sent.whenComplete((ws, error) -> pending.decrementAndGet());
            sent.exceptionally(e -> {
                log.debug("Agent media stream message not sent callSid={} error={}", callSid, e.toString());
                return null;
            });
        }
    }

    private void end() {
        if (ended.compareAndSet(false, true)) {
            listener.onClosed(opened);
        }
    }

    private void handle(String text) {
        JsonNode message;
        try {
            message = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            log.debug("Agent media stream sent text that is not JSON callSid={}", callSid);
            return;
        }
        switch (message.path("event").asText()) {
            case "media" -> {
                var payload = message.at("/media/payload").asText("");
                try {
                    listener.onMedia(Base64.getDecoder().decode(payload));
                } catch (IllegalArgumentException e) {
                    log.debug("Agent media payload is not base64 callSid={}", callSid);
                }
            }
            case "mark" -> listener.onMark(message.at("/mark/name").asText(""));
            case "clear" -> listener.onClear();
            default ->
                log.debug(
                        "Agent media stream message ignored callSid={} event={}",
                        callSid,
                        message.path("event").asText());
        }
    }

    /** Gathers a text message's fragments and hands whole messages on. */
    private final class Receiver implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                var text = partial.toString();
                partial.setLength(0);
                handle(text);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            end();
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            log.debug("Agent media stream broke callSid={} error={}", callSid, error.toString());
            end();
        }
    }
}
