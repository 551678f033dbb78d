package io.batchcall.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The errors Jetty answers itself, before any route runs (a path that is not UTF-8, a request line or headers too
 * long), in the API's error shape instead of Jetty's HTML page: {@code {"detail":{"status":"http_error",
 * "message":...}}}, as {@link ApiErrors} answers the errors of Javalin's own. The message is Jetty's reason or the
 * status's name; neither repeats the request.
 */
final class ProtocolErrors extends ErrorHandler {
    @Override
    protected void generateResponse(
            Request request, Response response, int code, String message, Throwable cause, Callback callback) {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(body(code, message)), callback);
    }

    private static byte[] body(int code, String message) {
        var text = message == null || message.isBlank() ? HttpStatus.getMessage(code) : message;
        try {
            return Json.MAPPER.writeValueAsBytes(
                    new ApiErrors.ErrorBody(new ApiErrors.ErrorDetail("http_error", text)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
