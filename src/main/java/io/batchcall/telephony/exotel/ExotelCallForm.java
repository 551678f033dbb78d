package io.batchcall.telephony.exotel;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.batchcall.telephony.CallRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code Calls/connect} request for one attempt. Exotel dials {@code From} first, so the customer goes there
 * and the ExoPhone is the caller id; once answered, the call runs the number's call flow (where the user's
 * Voicebot applet points at their agent) or streams straight to the agent's media stream URL.
 */
final class ExotelCallForm {
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * Exotel's maximum {@code TimeLimit} (4 hours): batchcall has no per-call duration limit of its own, so no
     * conversation is cut short; the stale-call sweep gives up on a call an hour after that.
     */
    static final int TIME_LIMIT_SECS = 14_400;
    /** Exotel refuses longer stream URLs. */
    static final int MAX_STREAM_URL_CHARS = 600;

    private ExotelCallForm() {}

    /** {@code mediaStream} is the agent's URL when the call streams straight to it, else the flow runs. */
    static List<Map.Entry<String, String>> connect(
            CallRequest request, ExotelAccount account, Optional<String> mediaStream, String callbackUrl) {
        var form = new ArrayList<Map.Entry<String, String>>();
        form.add(Map.entry("From", request.to()));
        form.add(Map.entry("CallerId", request.from().phoneNumber()));
        // Transactional: a call the recipient expects (TRAI rules for India); promotional calls are refused to DND
        // numbers.
        form.add(Map.entry("CallType", "trans"));
        mediaStream.ifPresentOrElse(
                url -> {
                    form.add(Map.entry("streamurl", url));
                    form.add(Map.entry("streamtype", "bidirectional"));
                },
                () -> form.add(Map.entry("Url", account.flowUrl())));
        form.add(Map.entry("TimeOut", Integer.toString(request.callConfig().ringingTimeoutSecs())));
        form.add(Map.entry("TimeLimit", Integer.toString(TIME_LIMIT_SECS)));
        form.add(Map.entry("StatusCallback", callbackUrl));
        form.add(Map.entry("StatusCallbackEvents[0]", "terminal"));
        form.add(Map.entry("StatusCallbackEvents[1]", "answered"));
        form.add(Map.entry("CustomField", customField(request)));
        if (request.callConfig().recordingEnabled()) {
            form.add(Map.entry("Record", "true"));
        }
        return form;
    }

    /** Our ids, echoed by Exotel in the terminal callback and handed to the flow (Passthru) and the stream. */
    static String customField(CallRequest request) {
        var ids = JSON.createObjectNode();
        ids.put("conversation_id", request.conversationId());
        ids.put("batch_id", request.batchId());
        ids.put("recipient_id", request.recipientId());
        ids.put("attempt_id", request.attempt().attemptId());
        return ids.toString();
    }
}
