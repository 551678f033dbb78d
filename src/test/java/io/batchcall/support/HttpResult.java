package io.batchcall.support;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.api.Json;
import java.net.http.HttpHeaders;

/** A response as a client sees it: status, headers, and the body as text and (when it is JSON) as a tree. */
public record HttpResult(int status, HttpHeaders headers, String body) {
    public JsonNode json() {
        try {
            return Json.MAPPER.readTree(body);
        } catch (Exception e) {
            throw new AssertionError("response is not JSON (status " + status + "): " + body, e);
        }
    }

    @Override
    public String toString() {
        return status + " " + body;
    }
}
