package io.batchcall.domain;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A conversation about to be recorded, typically by the dispatcher when a provider accepts a call: then it is
 * {@code initiated}, {@code unknown}, with no duration and an empty transcript ({@link #initiated}).
 */
public record NewConversation(
        String agentId,
        Optional<String> batchId,
        Optional<String> recipientId,
        Optional<String> phoneNumberId,
        ConversationStatus status,
        CallSuccessful callSuccessful,
        Instant startTime,
        int callDurationSecs,
        Optional<String> terminationReason,
        Optional<PhoneCall> phoneCall,
        Optional<String> clientDataJson,
        String transcriptJson) {
    public NewConversation {
        Objects.requireNonNull(agentId, "agentId");
        Objects.requireNonNull(startTime, "startTime");
        Objects.requireNonNull(transcriptJson, "transcriptJson");
        if (callDurationSecs < 0) {
            throw new IllegalArgumentException("callDurationSecs must not be negative");
        }
    }

    /** A call the provider has just accepted, for a recipient of a batch. */
    public static NewConversation initiated(
            String agentId,
            String batchId,
            String recipientId,
            String phoneNumberId,
            Instant startTime,
            PhoneCall phoneCall,
            Optional<String> clientDataJson) {
        return new NewConversation(
                agentId,
                Optional.of(batchId),
                Optional.of(recipientId),
                Optional.of(phoneNumberId),
                ConversationStatus.INITIATED,
                CallSuccessful.UNKNOWN,
                startTime,
                0,
                Optional.empty(),
                Optional.of(phoneCall),
                clientDataJson,
                "[]");
    }
}
