package io.batchcall.support;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.wiremock.webhooks.Webhooks.webhook;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.RequestMethod;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Exotel's Voice v1 API as WireMock on a free loopback port: {@code Calls/connect.json} behind Basic auth, call
 * details, and (when asked) Exotel's own status callbacks fired at the {@code StatusCallback} URL of each connect
 * request, as telephony.md section 4 proved. The journal is read back as the requests our client really sent.
 */
public final class FakeExotel implements AutoCloseable {
    public static final String ACCOUNT = "acme1";
    public static final String API_KEY = "exotel-key-0001";
    public static final String API_TOKEN = "exotel-token-0001";
    public static final String CALLS = "/v1/Accounts/" + ACCOUNT + "/Calls";
    public static final String CONNECT = CALLS + "/connect.json";
    /** The Sid each call gets: derived from our attempt id in CustomField, so a callback can name it too. */
    private static final String SID = "exo-{{parseJson f.CustomField 'ids'}}{{ids.attempt_id}}";

    private static final String FORM = "{{formData request.body 'f' urlDecode=true}}";

    private final WireMockServer server;

    /** One request as sent: method, path, query, form fields, auth header, when it arrived, and the answer. */
    public record Sent(
            String method,
            String path,
            String query,
            Map<String, List<String>> form,
            String authorization,
            Instant at,
            int status,
            String responseBody) {
        public String field(String name) {
            var values = form.getOrDefault(name, List.of());
            return values.isEmpty() ? null : values.getFirst();
        }

        /** The Sid Exotel gave this connect request's call. */
        public String sid() {
            var matcher = java.util.regex.Pattern.compile("\"Sid\"\\s*:\\s*\"([^\"]+)\"")
                    .matcher(responseBody);
            return matcher.find() ? matcher.group(1) : null;
        }
    }

    public FakeExotel() {
        server = new WireMockServer(options()
                .dynamicPort()
                .bindAddress("127.0.0.1")
                .templatingEnabled(true)
                .globalTemplating(false));
        server.start();
        acceptCalls();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.port();
    }

    /** Every connect with the right key and token answered 200 with the call, in progress; others 401. */
    public void acceptCalls() {
        server.resetAll();
        server.stubFor(post(urlPathEqualTo(CONNECT))
                .atPriority(10)
                .willReturn(
                        json(401, "{\"RestException\":{\"Status\":401,\"Message\":\"Authentication is required\"}}")));
        server.stubFor(
                connect()
                        .willReturn(
                                json(
                                        200,
                                        FORM + "{\"Call\":{\"Sid\":\"" + SID
                                                + "\",\"Status\":\"in-progress\",\"From\":\"{{f.From}}\",\"Direction\":\"outbound-api\"}}")));
    }

    /**
     * Every connect accepted, and its call played by Exotel: an {@code answered} then a {@code terminal} callback
     * with {@code status}, fired at the request's StatusCallback.
     */
    public void completeCalls(String status) {
        acceptCalls();
        server.stubFor(connect()
                .willReturn(json(200, FORM + "{\"Call\":{\"Sid\":\"" + SID + "\",\"Status\":\"in-progress\"}}"))
                .withServeEventListener(
                        "webhook",
                        webhook()
                                .withMethod(RequestMethod.POST)
                                .withUrl(FORM.replace("request.", "originalRequest.") + "{{f.StatusCallback}}")
                                .withHeader("Content-Type", "application/x-www-form-urlencoded")
                                .withBody(FORM.replace("request.", "originalRequest.") + "CallSid=" + SID + "&Status="
                                        + status + "&EventType=terminal&Legs%5B0%5D%5BAnsweredBy%5D=HUMAN")
                                .withFixedDelay(50)));
    }

    private static MappingBuilder connect() {
        return post(urlPathEqualTo(CONNECT)).atPriority(1).withBasicAuth(API_KEY, API_TOKEN);
    }

    public void stub(MappingBuilder mapping) {
        server.stubFor(mapping);
    }

    /** Every connect answered with this status and Exotel error body (and Retry-After, when given). */
    public void refuseConnects(int status, String message, String retryAfter) {
        server.resetAll();
        var response = json(status, "{\"RestException\":{\"Status\":" + status + ",\"Message\":\"" + message + "\"}}");
        if (retryAfter != null) {
            response = response.withHeader("Retry-After", retryAfter);
        }
        server.stubFor(post(urlPathEqualTo(CONNECT)).willReturn(response));
    }

    /** The call-details API answering for one call. */
    public void callIs(String sid, String status, String answeredBy) {
        server.stubFor(get(urlPathEqualTo(CALLS + "/" + sid + ".json"))
                .willReturn(json(
                        200,
                        "{\"Call\":{\"Sid\":\""
                                + sid + "\",\"Status\":\"" + status + "\",\"AnsweredBy\":"
                                + (answeredBy == null ? "null" : "\"" + answeredBy + "\"") + "}}")));
    }

    /** The bulk call-details API listing these calls (Sid, Status), created at {@code dateCreated} India time. */
    public void listCalls(String dateCreated, String... sidsAndStatuses) {
        var calls = new ArrayList<String>();
        for (int i = 0; i < sidsAndStatuses.length; i += 2) {
            calls.add("{\"Sid\":\"" + sidsAndStatuses[i] + "\",\"Status\":\"" + sidsAndStatuses[i + 1]
                    + "\",\"DateCreated\":\"" + dateCreated + "\"}");
        }
        server.stubFor(get(urlPathEqualTo(CALLS + ".json"))
                .willReturn(json(200, "{\"Metadata\":{},\"Calls\":[" + String.join(",", calls) + "]}")));
    }

    public static ResponseDefinitionBuilder json(int status, String body) {
        return aResponse()
                .withStatus(status)
                .withHeader("Content-Type", "application/json")
                .withBody(body)
                .withTransformers("response-template");
    }

    /** Forgets the requests received so far; the stubs stay. */
    public void forgetRequests() {
        server.resetRequests();
    }

    /** Every request received, oldest first. */
    public List<Sent> requests() {
        var events = new ArrayList<>(server.getAllServeEvents());
        events.sort(Comparator.comparing(event -> event.getRequest().getLoggedDate()));
        return events.stream().map(FakeExotel::sent).toList();
    }

    /** The connect requests received, oldest first. */
    public List<Sent> connects() {
        return requests().stream()
                .filter(r -> r.method().equals("POST") && r.path().equals(CONNECT))
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
                FakeTwilio.form(request.getBodyAsString()),
                request.getHeader("Authorization"),
                request.getLoggedDate().toInstant(),
                response == null ? 0 : response.getStatus(),
                response == null ? "" : response.getBodyAsString());
    }

    @Override
    public void close() {
        server.stop();
    }
}
