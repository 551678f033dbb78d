package io.batchcall.domain;

/**
 * How an attempt ended. Busy, no answer, failures and interruptions leave the recipient {@code failed}, with the
 * outcome in {@code last_outcome}.
 */
public sealed interface Outcome {
    record Completed() implements Outcome {}

    record Voicemail() implements Outcome {}

    record Busy() implements Outcome {}

    record NoAnswer() implements Outcome {}

    /** The call failed; {@code retryable} says whether dialing again later may succeed (503 from a trunk, say). */
    record Failed(String reason, boolean retryable) implements Outcome {}

    record Cancelled() implements Outcome {}

    /** The call's fate is unknown (its node died mid-dial and the provider cannot tell): never re-dialed on its own. */
    record Interrupted(String reason) implements Outcome {}

    /** The name in {@code last_outcome} and the attempts' {@code outcome}. */
    default String wireName() {
        return switch (this) {
            case Completed c -> "completed";
            case Voicemail v -> "voicemail";
            case Busy b -> "busy";
            case NoAnswer n -> "no_answer";
            case Failed f -> "failed";
            case Cancelled c -> "cancelled";
            case Interrupted i -> "interrupted";
        };
    }

    /** The recipient status this outcome leaves. */
    default RecipientStatus recipientStatus() {
        return switch (this) {
            case Completed c -> RecipientStatus.COMPLETED;
            case Voicemail v -> RecipientStatus.VOICEMAIL;
            case Cancelled c -> RecipientStatus.CANCELLED;
            case Busy b -> RecipientStatus.FAILED;
            case NoAnswer n -> RecipientStatus.FAILED;
            case Failed f -> RecipientStatus.FAILED;
            case Interrupted i -> RecipientStatus.FAILED;
        };
    }

    default String failureReason() {
        return switch (this) {
            case Failed f -> f.reason();
            case Interrupted i -> i.reason();
            default -> null;
        };
    }
}
