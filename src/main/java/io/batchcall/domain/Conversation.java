package io.batchcall.domain;

import java.time.Instant;
import java.util.Optional;

/**
 * One call between an agent and a person, as stored. {@code transcriptJson}, {@code clientDataJson} and the two
 * analysis maps are JSON texts kept as the agent and the submitter gave them; {@code phoneCall} is empty for a call
 * that had none. {@code callResult} is how the call ended on the telephony side ({@link CallResult}), empty while
 * it rings. {@code branchId} is the agent branch its batch ran on; {@code hasAudio} tells that the provider
 * recorded the call (a Twilio recording), which {@code GET .../audio} serves. {@code attemptNumber} is which dial
 * of its batch recipient the call was (1 the first; empty for single calls).
 */
public record Conversation(
        WorkspaceId workspaceId,
        String id,
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
        String transcriptJson,
        int messageCount,
        Optional<CallResult> callResult,
        Optional<String> transcriptSummary,
        String dataCollectionResultsJson,
        String evaluationCriteriaResultsJson,
        Optional<String> branchId,
        boolean hasAudio,
        Optional<Integer> attemptNumber) {
    public static final String ID_PREFIX = "conv";
}
