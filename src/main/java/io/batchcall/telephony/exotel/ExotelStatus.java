package io.batchcall.telephony.exotel;

import io.batchcall.domain.Outcome;
import io.batchcall.telephony.CallState;
import java.util.Locale;
import java.util.Optional;

/**
 * Exotel's call statuses and {@code AnsweredBy} as our call states (telephony.md section 1). One mapping for
 * status callbacks and for calls looked up through the API.
 */
final class ExotelStatus {
    private ExotelStatus() {}

    static CallState of(String callSid, String status, Optional<String> answeredBy) {
        return switch (status) {
            case "queued", "ringing" -> new CallState.Ringing(callSid);
            case "in-progress" -> new CallState.Answered(callSid);
            case "completed" -> ended(answered(answeredBy), status);
            case "busy" -> ended(new Outcome.Busy(), status);
            case "no-answer" -> ended(new Outcome.NoAnswer(), status);
            case "canceled" -> ended(new Outcome.Cancelled(), status);
            // Exotel gives no cause (no SIP code): a bad number and a network fault look alike, so no retry.
            case "failed" -> ended(new Outcome.Failed("Exotel could not connect the call", false), status);
            default -> new CallState.Unknown("Exotel reported an unknown call status '" + status + "'");
        };
    }

    /**
     * What an answered call was. Exotel's legs say {@code HUMAN} or {@code NA} (not detected); its value for a
     * machine is not documented, so anything naming one counts as a voicemail.
     */
    static Outcome answered(Optional<String> answeredBy) {
        return answeredBy
                .filter(ExotelStatus::isMachine)
                .<Outcome>map(by -> new Outcome.Voicemail())
                .orElseGet(Outcome.Completed::new);
    }

    static boolean isMachine(String answeredBy) {
        return answeredBy.toLowerCase(Locale.ROOT).contains("machine");
    }

    private static CallState ended(Outcome outcome, String status) {
        return new CallState.Ended(outcome, Optional.of(status), Optional.empty());
    }
}
