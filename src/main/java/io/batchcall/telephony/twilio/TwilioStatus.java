package io.batchcall.telephony.twilio;

import io.batchcall.domain.Outcome;
import io.batchcall.telephony.CallState;
import java.util.Optional;

/**
 * Twilio's call statuses, SIP codes and answering-machine results as our call states (telephony.md section 1).
 * One mapping for status callbacks and for calls looked up through the REST API.
 */
final class TwilioStatus {
    private TwilioStatus() {}

    /** The state a call is in, as Twilio reports it ({@code answeredBy} only when detection ran). */
    static CallState of(String callSid, String status, Optional<Integer> sipCode, Optional<String> answeredBy) {
        return switch (status) {
            case "queued", "initiated", "ringing" -> new CallState.Ringing(callSid);
            case "in-progress" -> new CallState.Answered(callSid);
            case "completed" -> ended(answered(answeredBy), status, sipCode);
            case "busy" -> ended(new Outcome.Busy(), status, sipCode);
            case "no-answer" -> ended(new Outcome.NoAnswer(), status, sipCode);
            case "canceled" -> ended(new Outcome.Cancelled(), status, sipCode);
            case "failed" -> ended(failed(sipCode), status, sipCode);
            default -> new CallState.Unknown("Twilio reported an unknown call status '" + status + "'");
        };
    }

    /**
     * What an answered call was: {@code completed} covers humans, IVRs and voicemail alike, so only machine
     * detection tells a voicemail apart.
     */
    static Outcome answered(Optional<String> answeredBy) {
        var by = answeredBy.orElse("");
        if (isMachine(by)) {
            return new Outcome.Voicemail();
        }
        if (by.equals("fax")) {
            return new Outcome.Failed("answered by a fax machine", false);
        }
        return new Outcome.Completed();
    }

    static boolean isMachine(String answeredBy) {
        return answeredBy.startsWith("machine_");
    }

    /**
     * A failed call: Twilio reports some unanswered and declined calls as failed with the carrier's SIP code; a
     * 5xx from the carrier is worth a later retry, anything else (a bad number, say) is not.
     */
    private static Outcome failed(Optional<Integer> sipCode) {
        int code = sipCode.orElse(0);
        if (code == 408 || code == 480) {
            return new Outcome.NoAnswer();
        }
        if (code == 486 || code == 600 || code == 603) {
            return new Outcome.Busy();
        }
        var reason = "Twilio could not connect the call"
                + sipCode.map(c -> " (SIP " + c + ")").orElse("");
        return new Outcome.Failed(reason, code >= 500 && code < 600);
    }

    private static CallState ended(Outcome outcome, String status, Optional<Integer> sipCode) {
        return new CallState.Ended(outcome, Optional.of(status), sipCode);
    }
}
