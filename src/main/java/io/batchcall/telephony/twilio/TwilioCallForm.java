package io.batchcall.telephony.twilio;

import io.batchcall.domain.MachineDetection;
import io.batchcall.telephony.AgentAccess;
import io.batchcall.telephony.CallRequest;
import io.batchcall.telephony.StreamParameters;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The create-call request for one attempt: who to call, from which number, how long to ring, where status
 * callbacks go, and TwiML that connects the answered call to the agent's media stream.
 */
final class TwilioCallForm {
    /** Twilio's own maximum for {@code Timeout}; longer ringing timeouts ring this long. */
    static final int MAX_TIMEOUT_SECS = 600;
    /** Twilio refuses inline TwiML longer than this. */
    static final int MAX_TWIML_CHARS = 4_000;

    private TwilioCallForm() {}

    static List<Map.Entry<String, String>> create(
            CallRequest request, String mediaStreamUrl, String callbackUrl, AgentAccess.Grant agent) {
        var form = new ArrayList<Map.Entry<String, String>>();
        form.add(Map.entry("To", request.to()));
        form.add(Map.entry("From", request.from().phoneNumber()));
        form.add(Map.entry(
                "Timeout", Integer.toString(Math.min(request.callConfig().ringingTimeoutSecs(), MAX_TIMEOUT_SECS))));
        form.add(Map.entry("Twiml", twiml(request, mediaStreamUrl, agent)));
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
