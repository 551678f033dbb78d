package io.batchcall.telephony.sip;

import io.batchcall.telephony.AgentAccess;
import io.batchcall.telephony.CallVariables;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.sip.ListeningPoint;

/**
 * The headers of the agent's INVITE that tell it about the call, as ElevenLabs' SIP trunks carry dynamic variables
 * in {@code X-} headers: the conversation id, the agent token and URL, and one
 * {@code X-Batchcall-Var-<name>: <value>} per dynamic variable, in submitted order, as far as they fit.
 * <ul>
 *   <li>A variable whose name is not a SIP token, or whose value holds a control character (CR, LF, ...), or is
 *       longer than {@link #MAX_VALUE_BYTES}, is left out.</li>
 *   <li>Over UDP an INVITE must stay well under the path MTU (RFC 3261 18.1.1), so the variables together may
 *       take {@link #UDP_BUDGET_BYTES}; over TCP {@link #TCP_BUDGET_BYTES}. One that would pass its budget is left
 *       out; later, shorter ones still go.</li>
 * </ul>
 * Nothing is lost to the agent: the URL serves every variable. No call fails over its variables.
 */
final class AgentHeaders {
    static final String CONVERSATION = "X-Batchcall-Conversation-Id";
    static final String TOKEN = "X-Batchcall-Token";
    static final String URL = "X-Batchcall-Url";
    static final String VARIABLE_PREFIX = "X-Batchcall-Var-";
    static final int MAX_VALUE_BYTES = 256;
    static final int UDP_BUDGET_BYTES = 600;
    static final int TCP_BUDGET_BYTES = 8_000;
    /** RFC 3261's token characters, which a header name must be made of. */
    private static final Pattern TOKEN_NAME = Pattern.compile("[A-Za-z0-9.!%*_+`'~-]+");

    private static final Pattern CONTROL = Pattern.compile("\\p{Cntrl}");

    private AgentHeaders() {}

    static Map<String, String> of(
            String conversationId, AgentAccess.Grant agent, Optional<String> clientDataJson, String transport) {
        var headers = new LinkedHashMap<String, String>();
        headers.put(CONVERSATION, conversationId);
        headers.put(TOKEN, agent.token());
        headers.put(URL, agent.url());
        int budget = transport.equalsIgnoreCase(ListeningPoint.UDP) ? UDP_BUDGET_BYTES : TCP_BUDGET_BYTES;
        int used = 0;
        for (var variable : CallVariables.of(clientDataJson).entrySet()) {
            var value = variable.getValue();
            int valueBytes = value.getBytes(StandardCharsets.UTF_8).length;
            if (!TOKEN_NAME.matcher(variable.getKey()).matches()
                    || CONTROL.matcher(value).find()
                    || valueBytes > MAX_VALUE_BYTES) {
                continue;
            }
            var name = VARIABLE_PREFIX + variable.getKey();
            // name, ": ", value, CRLF
            int size = name.length() + 2 + valueBytes + 2;
            if (used + size <= budget) {
                headers.put(name, value);
                used += size;
            }
        }
        return headers;
    }
}
