package io.batchcall.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A voice agent as small as the README's, on a loopback WebSocket: when a call's media stream starts (Twilio's
 * {@code start} message, which the simulator sends too), it takes the token and URL from
 * {@code customParameters}, reads its conversation with them (no API key) and reports a result built from the
 * recipient's variables. Everything it saw is kept by conversation id for the test to check.
 */
public final class TestAgent implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the agent saw and did for one call. */
    public record Call(JsonNode customParameters, JsonNode read, int reportStatus) {}

    private final Javalin server;
    private final HttpClient http = HttpClient.newHttpClient();
    private final String serverBase;
    private final Map<String, Call> calls = new ConcurrentHashMap<>();
    /** Every media-stream message received, by event ({@code connected}, {@code start}, {@code stop}). */
    private final java.util.List<JsonNode> messages = new java.util.concurrent.CopyOnWriteArrayList<>();

    private TestAgent(String serverBase) {
        this.serverBase = serverBase;
        this.server = Javalin.create(config -> {
                    config.startup.showJavalinBanner = false;
                    config.jetty.host = "127.0.0.1";
                    config.jetty.port = 0;
                    config.routes.ws(
                            "/media",
                            ws -> ws.onMessage(ctx -> {
                                var message = JSON.readTree(ctx.message());
                                messages.add(message);
                                if (serverBase != null
                                        && "start".equals(message.path("event").asText())) {
                                    var parameters = message.at("/start/customParameters");
                                    // Off the socket's thread: the agent talks to batchcall while the stream stays
                                    // open.
                                    Thread.ofVirtual().start(() -> handle(parameters));
                                }
                            }));
                })
                .start();
    }

    /**
     * Starts the agent; {@code serverBase} is batchcall's address, for URLs that come as paths. Null: the agent only
     * listens (it records the stream's messages and calls nobody).
     */
    public static TestAgent start(String serverBase) {
        return new TestAgent(serverBase);
    }

    public String mediaStreamUrl() {
        return "ws://127.0.0.1:" + server.port() + "/media";
    }

    public Map<String, Call> calls() {
        return calls;
    }

    public java.util.List<JsonNode> messages() {
        return messages;
    }

    private void handle(JsonNode parameters) {
        try {
            var url = parameters.get("batchcall_url").asText();
            var base = url.startsWith("/") ? serverBase + url : url;
            var token = "Bearer " + parameters.get("batchcall_token").asText();
            var read = http.send(
                    HttpRequest.newBuilder(URI.create(base))
                            .header("Authorization", token)
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            var conversation = JSON.readTree(read.body());
            var name = conversation
                    .at("/conversation_initiation_client_data/dynamic_variables/first_name")
                    .asText();
            var report = JSON.createObjectNode();
            report.putArray("transcript")
                    .addObject()
                    .put("role", "agent")
                    .put("message", "Hello " + name)
                    .put("time_in_call_secs", 0);
            var analysis = report.putObject("analysis");
            analysis.put("call_successful", "success");
            analysis.put("transcript_summary", "Greeted " + name);
            analysis.putObject("data_collection_results").putObject("greeted").put("value", name);
            report.put("termination_reason", "end_call tool was called.");
            var reported = http.send(
                    HttpRequest.newBuilder(URI.create(base + "/report"))
                            .header("Authorization", token)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(report.toString()))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            calls.put(
                    parameters.get("conversation_id").asText(),
                    new Call(parameters, conversation, reported.statusCode()));
        } catch (java.io.IOException | InterruptedException e) {
            throw new IllegalStateException("the test agent could not talk to batchcall", e);
        }
    }

    @Override
    public void close() {
        server.stop();
    }
}
