package io.batchcall.telephony;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The name=value parameters a media-stream call hands its agent when the stream starts (Twilio's
 * {@code customParameters}): {@code conversation_id}, {@code batch_id}, {@code recipient_id},
 * {@code batchcall_token}, {@code batchcall_url}, then {@code var_<name>} per dynamic variable in submitted order.
 * A transport with a size limit drops variables from this list, never the fixed parameters.
 */
public final class StreamParameters {
    public static final String VARIABLE_PREFIX = "var_";

    private StreamParameters() {}

    /** The fixed parameters, which every call carries whatever its size limits. */
    public static Map<String, String> fixed(CallRequest request, AgentAccess.Grant agent) {
        var parameters = new LinkedHashMap<String, String>();
        parameters.put("conversation_id", request.conversationId());
        parameters.put("batch_id", request.batchId());
        parameters.put("recipient_id", request.recipientId());
        parameters.put("batchcall_token", agent.token());
        parameters.put("batchcall_url", agent.url());
        return parameters;
    }

    /** The dynamic variables, by parameter name. */
    public static Map<String, String> variables(CallRequest request) {
        return variables(request.clientDataJson());
    }

    /** The dynamic variables of this client data (JSON text), by parameter name. */
    public static Map<String, String> variables(java.util.Optional<String> clientDataJson) {
        var parameters = new LinkedHashMap<String, String>();
        CallVariables.of(clientDataJson).forEach((name, value) -> parameters.put(VARIABLE_PREFIX + name, value));
        return parameters;
    }

    /**
     * The fixed parameters of a call that is not a batch's (one the user placed and registered): no batch or
     * recipient id.
     */
    public static Map<String, String> fixed(String conversationId, AgentAccess.Grant agent) {
        var parameters = new LinkedHashMap<String, String>();
        parameters.put("conversation_id", conversationId);
        parameters.put("batchcall_token", agent.token());
        parameters.put("batchcall_url", agent.url());
        return parameters;
    }
}
