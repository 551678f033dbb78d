package io.batchcall.telephony.twilio;

import io.batchcall.domain.MachineDetection;
import io.batchcall.telephony.AgentAccess;
import io.batchcall.telephony.CallRequest;
import io.batchcall.telephony.StreamParameters;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The create-call request for one attempt: who to call, from which number, how long to ring, where status
 * callbacks go, and TwiML that connects the answered call to the agent's media stream, or dials the agent's SIP URI
 * when it has no media stream.
 */
final class TwilioCallForm {
    /** Twilio's own maximum for {@code Timeout}; longer ringing timeouts ring this long. */
    static final int MAX_TIMEOUT_SECS = 600;
    /** Twilio refuses inline TwiML longer than this. */
    static final int MAX_TWIML_CHARS = 4_000;

    /** Twilio's bound on the custom headers of a {@code <Sip>} URI, written as its query. */
    static final int MAX_SIP_HEADER_CHARS = 1_024;
    /** RFC 3261's token characters, which a header name must be made of. */
    private static final Pattern SIP_TOKEN = Pattern.compile("[A-Za-z0-9.!%*_+`'~-]+");

    private static final Pattern SIP_HOST = Pattern.compile("^sips?:(?:[^@;?]*@)?(\\[[^]]+]|[^:;?]+)");

    private TwilioCallForm() {}

    /** {@code twiml} connects the answered call to the agent: {@link #twiml} or {@link #dialSip}. */
    static List<Map.Entry<String, String>> create(CallRequest request, String twiml, String callbackUrl) {
        var form = new ArrayList<Map.Entry<String, String>>();
        form.add(Map.entry("To", request.to()));
        form.add(Map.entry("From", request.from().phoneNumber()));
        form.add(Map.entry(
                "Timeout", Integer.toString(Math.min(request.callConfig().ringingTimeoutSecs(), MAX_TIMEOUT_SECS))));
        form.add(Map.entry("Twiml", twiml));
        form.add(Map.entry("StatusCallback", callbackUrl));
        form.add(Map.entry("StatusCallbackMethod", "POST"));
        // Repeated, one value each: Twilio reads a space-separated list as one unknown event.
        for (var event : List.of("initiated", "ringing", "answered", "completed")) {
            form.add(Map.entry("StatusCallbackEvent", event));
        }
        if (request.callConfig().recordingEnabled()) {
            form.add(Map.entry("Record", "true"));
            // The recording's id comes to the same callback once Twilio has stored it: GET .../audio serves it.
            form.add(Map.entry("RecordingStatusCallback", callbackUrl));
            form.add(Map.entry("RecordingStatusCallbackMethod", "POST"));
            form.add(Map.entry("RecordingStatusCallbackEvent", "completed"));
        }
        request.callConfig().machineDetection().ifPresent(detection -> {
            form.add(Map.entry(
                    "MachineDetection",
                    detection == MachineDetection.DETECT_MESSAGE_END ? "DetectMessageEnd" : "Enable"));
            // Asynchronous, so that the agent speaks at once instead of after seconds of detection silence;
            // the result comes to the same callback URL.
            form.add(Map.entry("AsyncAmd", "true"));
            form.add(Map.entry("AsyncAmdStatusCallback", callbackUrl));
            form.add(Map.entry("AsyncAmdStatusCallbackMethod", "POST"));
        });
        return form;
    }

    /**
     * Connects the call to the agent's bidirectional media stream, telling it which conversation this is, its token
     * and URL, and the recipient's dynamic variables ({@code var_<name>}) as far as they fit: Twilio refuses TwiML
     * over {@link #MAX_TWIML_CHARS}, so a variable that would pass it is left out (later, shorter ones still go in).
     * Nothing is lost to the agent: the URL serves all of them.
     */
    static String twiml(CallRequest request, String mediaStreamUrl, AgentAccess.Grant agent) {
        return twiml(mediaStreamUrl, StreamParameters.fixed(request, agent), StreamParameters.variables(request));
    }

    /** The same TwiML from its parameters: also what register-call answers for a call the user placed. */
    static String twiml(String mediaStreamUrl, Map<String, String> fixed, Map<String, String> variables) {
        var twiml = new StringBuilder("<Response><Connect><Stream url=\"" + escape(mediaStreamUrl) + "\">");
        fixed.forEach((name, value) -> twiml.append(parameter(name, value)));
        var end = "</Stream></Connect></Response>";
        variables.forEach((name, value) -> {
            var parameter = parameter(name, value);
            if (twiml.length() + parameter.length() + end.length() <= MAX_TWIML_CHARS) {
                twiml.append(parameter);
            }
        });
        return twiml.append(end).toString();
    }

    /**
     * Dials an agent that has only a SIP URI ({@code <Dial><Sip>}), telling it about the call as the sip_trunk
     * provider does, in {@code X-} headers that Twilio passes on from the URI's query: the conversation id, the
     * agent token and URL, then one {@code X-Batchcall-Var-<name>} per dynamic variable as far as Twilio's bound on
     * custom SIP headers ({@link #MAX_SIP_HEADER_CHARS}) allows. A variable whose name is not a SIP token is left
     * out; the URL serves every variable all the same.
     */
    static String dialSip(CallRequest request, String sipUri, AgentAccess.Grant agent) {
        var headers = new StringBuilder();
        appendHeader(headers, "X-Batchcall-Conversation-Id", request.conversationId());
        appendHeader(headers, "X-Batchcall-Token", agent.token());
        appendHeader(headers, "X-Batchcall-Url", agent.url());
        StreamParameters.variables(request).forEach((name, value) -> {
            var variable = name.substring(StreamParameters.VARIABLE_PREFIX.length());
            if (!SIP_TOKEN.matcher(variable).matches()) {
                return;
            }
            var header = new StringBuilder();
            appendHeader(header, "X-Batchcall-Var-" + variable, value);
            if (headers.length() + 1 + header.length() <= MAX_SIP_HEADER_CHARS) {
                headers.append('&').append(header);
            }
        });
        var uri = sipUri + (sipUri.contains("?") ? "&" : "?") + headers;
        return "<Response><Dial><Sip>" + escape(uri) + "</Sip></Dial></Response>";
    }

    /** The host of a SIP URI ({@code sip:user@host:port;params?headers}), for the egress check. */
    static java.util.Optional<String> sipHost(String sipUri) {
        var matcher = SIP_HOST.matcher(sipUri);
        return matcher.find()
                ? java.util.Optional.of(matcher.group(1).replaceAll("^\\[|]$", ""))
                : java.util.Optional.empty();
    }

    private static void appendHeader(StringBuilder headers, String name, String value) {
        if (!headers.isEmpty()) {
            headers.append('&');
        }
        // Percent-encoded for the URI; a space is %20 there, not a form's '+'.
        headers.append(name)
                .append('=')
                .append(URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20"));
    }

    private static String parameter(String name, String value) {
        return "<Parameter name=\"" + name + "\" value=\"" + escape(value) + "\"/>";
    }

    static String escape(String text) {
        return text.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;")
                .replace("'", "&apos;");
    }
}
