package io.batchcall.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.batchcall.wire.WireJson;

/**
 * The one JSON mapper, as the api package names it. It lives in {@code wire}, because event bodies written by the
 * store must be serialised exactly as responses are.
 */
public final class Json {
    private Json() {}

    public static final ObjectMapper MAPPER = WireJson.MAPPER;
}
