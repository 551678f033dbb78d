package io.batchcall.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * Runs simulated batches to the end through the API: submits up to 10,000 recipients a batch, polls the workspace's
 * list until every batch is completed, and reads back every attempt. Shared by the scenarios that dispatch.
 */
final class BatchRuns {
    private static final Duration POLL_INTERVAL = Duration.ofMillis(50);

    private final ApiClient api;

    BatchRuns(ApiClient api) {
        this.api = api;
    }

    /** Bodies for {@code recipients} recipients, split into batches of at most 10,000. */
    static List<byte[]> bodies(ApiClient.Workspace workspace, String name, int recipients,
                               IntFunction<com.fasterxml.jackson.databind.node.ObjectNode> variables,
                               int targetConcurrency) {
        var bodies = new ArrayList<byte[]>();
        for (int start = 0, n = 0; start < recipients; start += Sizes.MAX_BATCH, n++) {
            int count = Math.min(Sizes.MAX_BATCH, recipients - start);
            bodies.add(BatchBody.of(workspace, name + " " + n, count, variables, Optional.of(targetConcurrency),
                    Optional.empty()));
        }
        return bodies;
    }

    /** Submits every body, returning the batch ids. */
    List<String> submit(ApiClient.Workspace workspace, List<byte[]> bodies) {
        var ids = new ArrayList<String>();
        for (var body : bodies) {
            ids.add(api.submit(workspace, body).json().get("id").asText());
        }
        return ids;
    }

    /**
     * Waits until every batch is completed; a batch that fails or a run past the timeout breaks the harness. A
     * poll answered 5xx is not: the server may refuse requests while it dispatches (its pool exhausted), which is
     * a finding, so such polls are counted and returned.
     */
    int awaitCompleted(ApiClient.Workspace workspace, List<String> batchIds, Duration timeout) {
        return await(workspace, batchIds, batch -> batch.get("status").asText().equals("completed"), timeout);
    }

    /**
     * Waits until the batch has finished {@code calls} calls, as {@link #awaitCompleted} waits for completion: for
     * a batch that does not complete while it is measured (its other recipients held). It reads the same light
     * list page, so that the wait costs the server as little as a plain batch's does.
     */
    int awaitFinished(ApiClient.Workspace workspace, String batchId, int calls, Duration timeout) {
        return await(workspace, List.of(batchId), batch -> batch.get("total_calls_finished").asInt() >= calls,
                timeout);
    }

    private int await(ApiClient.Workspace workspace, List<String> batchIds,
                      java.util.function.Predicate<com.fasterxml.jackson.databind.JsonNode> done, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Set<String> pending = new HashSet<>(batchIds);
        int failedPolls = 0;
        while (!pending.isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("batches not done within " + timeout + ": " + pending);
            }
            Pause.of(POLL_INTERVAL);
            com.fasterxml.jackson.databind.JsonNode page;
            try {
                page = api.listBatches(workspace, 100, Optional.empty()).json();
            } catch (ApiClient.StatusException e) {
                if (e.status < 500) {
                    throw e;
                }
                failedPolls++;
                continue;
            }
            for (var batch : page.get("batch_calls")) {
                var id = batch.get("id").asText();
                var status = batch.get("status").asText();
                if (pending.contains(id) && (status.equals("failed") || status.equals("cancelled"))) {
                    throw new IllegalStateException("batch " + id + " ended " + status + ": " + batch);
                }
                if (done.test(batch)) {
                    pending.remove(id);
                }
            }
        }
        return failedPolls;
    }

    /** Every attempt of the batches; each recipient must have exactly one, ended completed. */
    List<ApiClient.Attempt> completedAttempts(ApiClient.Workspace workspace, List<String> batchIds,
                                              int recipients) {
        var attempts = new ArrayList<ApiClient.Attempt>();
        batchIds.forEach(id -> attempts.addAll(api.attempts(workspace, id)));
        long completed = attempts.stream().filter(a -> a.outcome().filter("completed"::equals).isPresent()
                && a.endedAt().isPresent()).count();
        if (attempts.size() != recipients || completed != recipients) {
            throw new IllegalStateException("expected " + recipients + " completed attempts, found "
                    + attempts.size() + " attempts of which " + completed + " completed");
        }
        return attempts;
    }
}
