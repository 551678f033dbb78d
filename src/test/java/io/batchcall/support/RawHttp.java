package io.batchcall.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * HTTP/1.1 written byte by byte over a socket, for what {@link ApiClient} cannot send: invalid percent-encodings
 * in the target, bytes that are not UTF-8 in a body, control characters in headers, chunked bodies. One request
 * per connection ({@code Connection: close}); the answer is read to the end.
 */
public final class RawHttp {
    private final int port;

    public RawHttp(int port) {
        this.port = port;
    }

    /** Sends {@code method target} with the headers and body given (Content-Length set when body is not null). */
    public HttpResult send(String method, String target, Map<String, String> headers, byte[] body) {
        var head = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        headers.forEach(
                (name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        if (body != null) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        var request = new ByteArrayOutputStream();
        request.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (body != null) {
            request.writeBytes(body);
        }
        return exchange(request.toByteArray());
    }

    /** Sends the body in chunks of {@code chunkSize} bytes without a Content-Length. */
    public HttpResult sendChunked(
            String method, String target, Map<String, String> headers, byte[] body, int chunkSize) {
        var request = new ByteArrayOutputStream();
        var head = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                + "Transfer-Encoding: chunked\r\n");
        headers.forEach(
                (name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        request.writeBytes(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
        for (int offset = 0; offset < body.length; offset += chunkSize) {
            int length = Math.min(chunkSize, body.length - offset);
            request.writeBytes((Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            request.write(body, offset, length);
            request.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        request.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        return exchange(request.toByteArray());
    }

    private HttpResult exchange(byte[] request) {
        try (var socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(30_000);
            try {
                socket.getOutputStream().write(request);
                socket.getOutputStream().flush();
            } catch (IOException e) {
                // The server may answer (413, say) and close before the whole body is sent: read what it said.
            }
            return parse(socket.getInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static HttpResult parse(InputStream in) throws IOException {
        var bytes = in.readAllBytes();
        var all = new String(bytes, StandardCharsets.ISO_8859_1);
        int endOfHead = all.indexOf("\r\n\r\n");
        if (!all.startsWith("HTTP/1.1 ") || endOfHead < 0) {
            throw new IOException("not an HTTP response: " + all);
        }
        int status = Integer.parseInt(all.substring(9, 12));
        var headers = new java.util.TreeMap<String, java.util.List<String>>(String.CASE_INSENSITIVE_ORDER);
        for (var line : all.substring(0, endOfHead).split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.computeIfAbsent(line.substring(0, colon).strip(), k -> new java.util.ArrayList<>())
                        .add(line.substring(colon + 1).strip());
            }
        }
        // ISO-8859-1 maps each byte to one char, so chunk sizes (in bytes) index this string exactly.
        var body = all.substring(endOfHead + 4);
        if (headers.getOrDefault("Transfer-Encoding", java.util.List.of()).contains("chunked")) {
            body = dechunk(body);
        }
        return new HttpResult(
                status,
                java.net.http.HttpHeaders.of(headers, (a, b) -> true),
                new String(body.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8));
    }

    private static String dechunk(String chunked) {
        var body = new StringBuilder();
        int at = 0;
        while (true) {
            int lineEnd = chunked.indexOf("\r\n", at);
            int size = Integer.parseInt(chunked.substring(at, lineEnd).strip(), 16);
            if (size == 0) {
                return body.toString();
            }
            body.append(chunked, lineEnd + 2, lineEnd + 2 + size);
            at = lineEnd + 2 + size + 2;
        }
    }
}
