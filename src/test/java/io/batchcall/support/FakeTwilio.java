package io.batchcall.support;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Twilio's REST API as WireMock on a free loopback port: stubs for the Calls resource, and its request journal
 * read back as the requests our client really sent (form fields decoded, repeated ones kept).
 */
public final class FakeTwilio implements AutoCloseable {
    public static final String ACCOUNT = "AC00000000000000000000000000000001";
    public static final String AUTH_TOKEN = "test-auth-token-0001";
    public static final String CALLS = "/2010-04-01/Accounts/" + ACCOUNT + "/Calls.json";

    private final WireMockServer server;

    /** One request as sent: method, path, query, form fields and, for a create, the SID it was given. */
    public record Sent(
            String method,
            String path,
            String query,
            Map<String, List<String>> form,
            String authorization,
            int status,
            String responseBody) {
        public String field(String name) {
            var values = form.getOrDefault(name, List.of());
            return values.isEmpty() ? null : values.getFirst();
        }

        /** The SID in a created call's response. */
        public String sid() {
            var matcher = java.util.regex.Pattern.compile("\"sid\"\\s*:\\s*\"([^\"]+)\"")
                    .matcher(responseBody);
            return matcher.find() ? matcher.group(1) : null;
        }
    }

    public FakeTwilio() {
        server = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        server.start();
        acceptCalls();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.port();
    }

    /** Every create answered 201 with a fresh SID, as Twilio does; updates and fetches answered 200. */
    public void acceptCalls() {
        server.resetAll();
        server.stubFor(post(urlPathEqualTo(CALLS))
                .willReturn(json(
                        201, "{\"sid\":\"CA{{randomValue length=32 type='HEXADECIMAL'}}\",\"status\":\"queued\"}")));
        server.stubFor(post(urlPathMatching("/2010-04-01/Accounts/" + ACCOUNT + "/Calls/CA[^/]+\\.json"))
                .willReturn(json(200, "{\"sid\":\"{{request.pathSegments.[4]}}\",\"status\":\"canceled\"}")));
    }

    public void stub(MappingBuilder mapping) {
        server.stubFor(mapping);
    }

    /** A create answered with this status and Twilio error body. */
    public void refuseCreates(int status, int code, String message) {
        server.resetAll();
        server.stubFor(post(urlPathEqualTo(CALLS))
                .willReturn(json(
                        status, "{\"code\":" + code + ",\"message\":\"" + message + "\",\"status\":" + status + "}")));
    }

    /** A fetch of one call answered with its status (and AMD result, if any). */
    public void callIs(String sid, String status, String answeredBy) {
        server.stubFor(get(urlPathEqualTo("/2010-04-01/Accounts/" + ACCOUNT + "/Calls/" + sid + ".json"))
                .willReturn(json(
                        200,
                        "{\"sid\":\"" + sid + "\",\"status\":\"" + status + "\",\"answered_by\":"
                                + (answeredBy == null ? "null" : "\"" + answeredBy + "\"") + "}")));
    }

    public static ResponseDefinitionBuilder json(int status, String body) {
        return aResponse()
                .withStatus(status)
                .withHeader("Content-Type", "application/json")
                .withBody(body)
                .withTransformers("response-template");
    }

    /** Every request received, oldest first. */
    public List<Sent> requests() {
        var events = new ArrayList<>(server.getAllServeEvents());
        events.sort(Comparator.comparing(event -> event.getRequest().getLoggedDate()));
        return events.stream().map(FakeTwilio::sent).toList();
    }

    /** The create requests received, oldest first. */
    public List<Sent> creates() {
        return requests().stream()
                .filter(r -> r.method().equals("POST") && r.path().equals(CALLS))
                .toList();
    }

    private static Sent sent(ServeEvent event) {
        var request = event.getRequest();
        var url = request.getUrl();
        int question = url.indexOf('?');
        var path = question < 0 ? url : url.substring(0, question);
        var query = question < 0 ? "" : URLDecoder.decode(url.substring(question + 1), StandardCharsets.UTF_8);
        var response = event.getResponse();
        return new Sent(
                request.getMethod().getName(),
                path,
                query,
                form(request.getBodyAsString()),
                request.getHeader("Authorization"),
                response == null ? 0 : response.getStatus(),
                response == null ? "" : response.getBodyAsString());
    }

    static Map<String, List<String>> form(String body) {
        var fields = new LinkedHashMap<String, List<String>>();
        if (body == null || body.isEmpty()) {
            return fields;
        }
        for (var pair : body.split("&")) {
            var parts = pair.split("=", 2);
            fields.computeIfAbsent(URLDecoder.decode(parts[0], StandardCharsets.UTF_8), k -> new ArrayList<>())
                    .add(parts.length > 1 ? URLDecoder.decode(parts[1], StandardCharsets.UTF_8) : "");
        }
        return fields;
    }

    @Override
    public void close() {
        server.stop();
    }
}
