package io.batchcall.telephony;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A recipient's dynamic variables as the name=value text pairs a call's transport carries (Twilio stream
 * parameters, SIP headers), in submitted order: strings as they are, numbers and booleans as JSON writes them,
 * null as empty, anything nested as its JSON text.
 */
public final class CallVariables {
    /** Decimals keep their digits: a balance of 12.50 is told as 12.50, not 12.5. */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false)
            .build();

    private CallVariables() {}

    public static Map<String, String> of(Optional<String> clientDataJson) {
        var variables = new LinkedHashMap<String, String>();
        clientDataJson
                .map(CallVariables::parse)
                .map(data -> data.get("dynamic_variables"))
                .filter(JsonNode::isObject)
                .ifPresent(object ->
                        object.properties().forEach(entry -> variables.put(entry.getKey(), text(entry.getValue()))));
        return variables;
    }

    private static String text(JsonNode value) {
        if (value.isNull()) {
            return "";
        }
        return value.isTextual() ? value.textValue() : value.toString();
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            // Stored client data was validated as JSON at submit; unreadable here means no variables to send.
            return JSON.nullNode();
        }
    }
}
