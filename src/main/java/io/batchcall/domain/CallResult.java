package io.batchcall.domain;

import java.util.Arrays;
import java.util.Optional;

/**
 * How a call ended on the telephony side ({@code metadata.phone_call.call_result}, ElevenLabs' {@code CallResult}).
 * Only answered and voicemail calls get a {@code post_call_transcription}; the others were never a conversation
 * and get a {@code call_initiation_failure}.
 */
public enum CallResult {
    ANSWERED("answered"),
    VOICEMAIL("voicemail"),
    BUSY("busy"),
    NO_ANSWER("no_answer"),
    FAILED("failed");

    private final String wireName;

    CallResult(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public boolean talked() {
        return this == ANSWERED || this == VOICEMAIL;
    }

    public static Optional<CallResult> fromWire(String name) {
        return Arrays.stream(values()).filter(r -> r.wireName.equals(name)).findFirst();
    }

    /**
     * The result of an attempt that ended with {@code outcome}: answered calls are answered (or voicemail) whatever
     * ended them, unanswered ones say why; a cancelled or interrupted ring is a failed call.
     */
    public static CallResult of(Outcome outcome, boolean answered) {
        return switch (outcome) {
            case Outcome.Voicemail v -> VOICEMAIL;
            case Outcome.Busy b -> answered ? ANSWERED : BUSY;
            case Outcome.NoAnswer n -> answered ? ANSWERED : NO_ANSWER;
            case Outcome.Completed c -> ANSWERED;
            case Outcome.Failed f -> answered ? ANSWERED : FAILED;
            case Outcome.Cancelled c -> answered ? ANSWERED : FAILED;
            case Outcome.Interrupted i -> answered ? ANSWERED : FAILED;
        };
    }
}
