package io.batchcall.support;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Meta's Graph API for one WhatsApp business number as WireMock on a free loopback port: call_permissions,
 * messages (the permission-request template) and calls (connect, terminate), behind the number's bearer token.
 * Answers are set per test; the journal is read back as the requests our client really sent.
 */
public final class FakeGraph implements AutoCloseable {
    public static final String VERSION = "v23.0";
    public static final String PNID = "106540352242922";
    public static final String TOKEN = "EAAG-test-access-token";
    public static final String PERMISSIONS = "/" + VERSION + "/" + PNID + "/call_permissions";
    public static final String MESSAGES = "/" + VERSION + "/" + PNID + "/messages";
    public static final String CALLS = "/" + VERSION + "/" + PNID + "/calls";

    private static final ObjectMapper JSON = new ObjectMapper();
    private final WireMockServer server;

    public FakeGraph() {
        server = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        server.start();
        reset();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.port();
    }

    /** No permission, a request allowed, the template accepted, calls connected, terminates confirmed. */
    public void reset() {
        server.resetAll();
        permission(permissionJson("no_permission", Optional.empty(), true, false, Optional.empty()));
        templateAnswers(
                200,
                "{\"messaging_product\":\"whatsapp\",\"contacts\":[{\"input\":\"x\",\"wa_id\":\"x\"}],"
                        + "\"messages\":[{\"id\":\"wamid.REQUEST1\"}]}");
        connectAnswers(200, "{\"messaging_product\":\"whatsapp\",\"calls\":[{\"id\":\"wacid.CALL1\"}]}");
        server.stubFor(post(urlPathEqualTo(CALLS))
                .withHeader("Authorization", equalTo("Bearer " + TOKEN))
                .withRequestBody(matchingJsonPath("$.action", equalTo("terminate")))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"messaging_product\":\"whatsapp\",\"success\":true}")));
    }

    /** What {@code GET call_permissions} answers, for any user. */
    public void permission(String body) {
        permissionAnswers(200, body);
    }

    public void permissionAnswers(int status, String body) {
        server.stubFor(get(urlPathEqualTo(PERMISSIONS))
                .withHeader("Authorization", equalTo("Bearer " + TOKEN))
                .willReturn(json(status, body)));
    }

    public void templateAnswers(int status, String body) {
        server.stubFor(post(urlPathEqualTo(MESSAGES))
                .withHeader("Authorization", equalTo("Bearer " + TOKEN))
                .willReturn(json(status, body)));
    }

    public void connectAnswers(int status, String body) {
        server.stubFor(post(urlPathEqualTo(CALLS))
                .withHeader("Authorization", equalTo("Bearer " + TOKEN))
                .withRequestBody(matchingJsonPath("$.action", equalTo("connect")))
                .willReturn(json(status, body)));
    }

    /** A connect refused with Meta's error shape. */
    public void connectRefused(int status, int code, String details) {
        connectAnswers(status, error(code, details));
    }

    public static String error(int code, String details) {
        return "{\"error\":{\"message\":\"(#" + code + ") refused\",\"type\":\"OAuthException\",\"code\":" + code
                + ",\"error_data\":{\"messaging_product\":\"whatsapp\",\"details\":\"" + details
                + "\"},\"fbtrace_id\":\"AbC\"}}";
    }

    /** A call_permissions answer: status, expiry, whether a request and a call may be made, a call limit's end. */
    public static String permissionJson(
            String status,
            Optional<Long> expiration,
            boolean sendAllowed,
            boolean startAllowed,
            Optional<Long> startLimitUntil) {
        return "{\"messaging_product\":\"whatsapp\",\"permission\":{\"status\":\"" + status + "\""
                + expiration.map(e -> ",\"expiration_time\":" + e).orElse("") + "},\"actions\":["
                + "{\"action_name\":\"send_call_permission_request\",\"can_perform_action\":" + sendAllowed
                + ",\"limits\":[{\"time_period\":\"PT24H\",\"max_allowed\":1,\"current_usage\":0}]},"
                + "{\"action_name\":\"start_call\",\"can_perform_action\":" + startAllowed + ",\"limits\":["
                + "{\"time_period\":\"PT24H\",\"max_allowed\":100,\"current_usage\":" + (startAllowed ? 0 : 100)
                + startLimitUntil.map(t -> ",\"limit_expiration_time\":" + t).orElse("") + "}]}]}";
    }

    public static String granted() {
        return permissionJson("temporary", Optional.of(1_900_000_000L), false, true, Optional.empty());
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder json(int status, String body) {
        return aResponse()
                .withStatus(status)
                .withHeader("Content-Type", "application/json")
                .withBody(body);
    }

    /** Every request in the order it arrived. */
    public List<LoggedRequest> requests() {
        return server.getAllServeEvents().stream()
                .map(e -> e.getRequest())
                .sorted(Comparator.comparing(LoggedRequest::getLoggedDate))
                .toList();
    }

    public List<LoggedRequest> requests(String method, String path) {
        return requests().stream()
                .filter(r -> r.getMethod().value().equals(method))
                .filter(r -> r.getUrl().split("\\?")[0].equals(path))
                .toList();
    }

    /** The JSON bodies of the POSTs to {@code calls} with this action. */
    public List<JsonNode> calls(String action) {
        return requests("POST", CALLS).stream()
                .map(FakeGraph::body)
                .filter(b -> b.path("action").asText().equals(action))
                .toList();
    }

    public List<JsonNode> templates() {
        return requests("POST", MESSAGES).stream().map(FakeGraph::body).toList();
    }

    public static JsonNode body(LoggedRequest request) {
        try {
            return JSON.readTree(request.getBodyAsString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        server.stop();
    }
}
