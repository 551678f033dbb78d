package io.batchcall.support;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** A real HTTP client against a server on loopback, with the key (or none) it presents. */
public final class ApiClient {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String baseUrl;
    private final Map<String, String> headers;

    public ApiClient(int port, Map<String, String> headers) {
        this.baseUrl = "http://127.0.0.1:" + port;
        this.headers = Map.copyOf(headers);
    }

    public static ApiClient withKey(int port, String apiKey) {
        return new ApiClient(port, Map.of("xi-api-key", apiKey));
    }

    public static ApiClient anonymous(int port) {
        return new ApiClient(port, Map.of());
    }

    public static ApiClient admin(int port, String token) {
        return new ApiClient(port, Map.of("Authorization", "Bearer " + token));
    }

    public HttpResult get(String path) {
        return send(request(path).GET());
    }

    public HttpResult delete(String path) {
        return send(request(path).DELETE());
    }

    public HttpResult post(String path, String json) {
        return send(request(path)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    /** A POST of a text body (a CSV, say) with its content type. */
    public HttpResult postText(String path, String contentType, String text) {
        return send(request(path).header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofString(text)));
    }

    /**
     * The same, asking first ({@code Expect: 100-continue}, as curl does for a large body): a body the server refuses
     * by its length is then answered before it is sent, instead of the refusal racing the upload (whose writer sees a
     * broken pipe when the server closes first).
     */
    public HttpResult postTextAskingFirst(String path, String contentType, String text) {
        return send(request(path)
                .expectContinue(true)
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(text)));
    }

    public HttpResult postEmpty(String path) {
        return send(request(path).POST(HttpRequest.BodyPublishers.noBody()));
    }

    /** A multipart/form-data POST with one file part, as a browser's file upload sends it. */
    public HttpResult postFile(String path, String field, String fileName, byte[] content) {
        var boundary = "----batchcall" + Long.toHexString(System.nanoTime());
        var head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field + "\"; filename=\""
                        + fileName + "\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        var tail = ("\r\n--" + boundary + "--\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return send(request(path)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArrays(java.util.List.of(head, content, tail))));
    }

    public HttpResult put(String path, String json) {
        return send(request(path)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)));
    }

    public HttpResult patch(String path, String json) {
        return send(request(path)
                .header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(json)));
    }

    /** A batch's status, or "" while the server cannot answer (a test waiting on it polls again). */
    public String batchStatus(String batchId) {
        var response = get("/v1/convai/batch-calling/" + batchId);
        return response.status() == 200 ? response.json().get("status").asText() : "";
    }

    /** A JSON body from {@link Body}, sent as its compact text. */
    public HttpResult post(String path, JsonNode body) {
        return post(path, body.toString());
    }

    public HttpResult patch(String path, JsonNode body) {
        return patch(path, body.toString());
    }

    private HttpRequest.Builder request(String path) {
        var builder = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30));
        headers.forEach(builder::header);
        return builder;
    }

    private static HttpResult send(HttpRequest.Builder builder) {
        try {
            var response = HTTP.send(builder.build(), HttpResponse.BodyHandlers.ofString());
            return new HttpResult(response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
