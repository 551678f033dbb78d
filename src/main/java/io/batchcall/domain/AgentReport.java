package io.batchcall.domain;

import java.util.Objects;
import java.util.Optional;

/**
 * What the agent reports about its conversation at the end of a call: the transcript (JSON array of ElevenLabs'
 * transcript items), its verdict, a summary, the data it collected and how it scored the evaluation criteria (JSON
 * objects keyed by id), and why the call ended. An absent part leaves what is stored, so a late report can add to
 * an earlier one.
 */
public record AgentReport(
        Optional<String> transcriptJson,
        Optional<CallSuccessful> callSuccessful,
        Optional<String> transcriptSummary,
        Optional<String> dataCollectionResultsJson,
        Optional<String> evaluationCriteriaResultsJson,
        Optional<String> terminationReason) {
    public AgentReport {
        Objects.requireNonNull(transcriptJson, "transcriptJson");
        Objects.requireNonNull(callSuccessful, "callSuccessful");
        Objects.requireNonNull(transcriptSummary, "transcriptSummary");
        Objects.requireNonNull(dataCollectionResultsJson, "dataCollectionResultsJson");
        Objects.requireNonNull(evaluationCriteriaResultsJson, "evaluationCriteriaResultsJson");
        Objects.requireNonNull(terminationReason, "terminationReason");
    }
}
