package io.batchcall.telephony.whatsapp;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One thing Meta's webhooks reported about a business phone number ({@code phoneNumberId}, Meta's id, which is
 * also the id of the batchcall number the account is stored as). Parsed from the {@code calls} field (connect,
 * status, terminate) and the {@code messages} field (call permission replies). {@code dedupeKey} names the event
 * for idempotent processing: the same delivery twice has the same key.
 */
public sealed interface WhatsAppEvent {
    String phoneNumberId();

    String dedupeKey();

    /** {@code calls[].event = connect}: the user's side answered our offer with {@code sdpAnswer}. */
    record CallConnected(
            String phoneNumberId, String callId, String userWaId, String sdpAnswer, Optional<String> opaque, Instant at)
            implements WhatsAppEvent {
        @Override
        public String dedupeKey() {
            return callId + ":connect";
        }
    }

    /** {@code statuses[]} of type call: {@code RINGING}, {@code ACCEPTED} or {@code REJECTED}. */
    record CallStatus(
            String phoneNumberId, String callId, String userWaId, Status status, Optional<String> opaque, Instant at)
            implements WhatsAppEvent {
        public enum Status {
            RINGING,
            ACCEPTED,
            REJECTED
        }

        @Override
        public String dedupeKey() {
            return callId + ":" + status.name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * {@code calls[].event = terminate}. {@code duration} is present only when the call was picked up (an
     * unanswered call also ends {@code COMPLETED}, without it); {@code errors} come with {@code FAILED}.
     */
    record CallTerminated(
            String phoneNumberId,
            String callId,
            String userWaId,
            Termination status,
            Optional<Long> durationSeconds,
            List<GraphError> errors,
            Optional<String> opaque,
            Instant at)
            implements WhatsAppEvent {
        public enum Termination {
            COMPLETED,
            FAILED
        }

        @Override
        public String dedupeKey() {
            return callId + ":terminate";
        }
    }

    /**
     * A {@code messages[].interactive.call_permission_reply}. {@code requestMessageId} is the {@code context.id}
     * (our request's wamid) when there is one; {@code automatic} marks {@code response_source: automatic} (a
     * callback grant, or the revoke after consecutive unanswered calls).
     */
    record PermissionReply(
            String phoneNumberId,
            String messageId,
            String userWaId,
            Optional<String> requestMessageId,
            boolean accepted,
            boolean permanent,
            Optional<Instant> expiresAt,
            boolean automatic,
            Instant at)
            implements WhatsAppEvent {
        @Override
        public String dedupeKey() {
            return "message:" + messageId;
        }
    }

    /** One entry of a webhook's or a Graph response's {@code errors}: Meta's code, message and details. */
    record GraphError(int code, String message, Optional<String> details) {}
}
