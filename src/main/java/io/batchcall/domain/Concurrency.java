package io.batchcall.domain;

import java.util.Optional;

/** The concurrency rules that do not need the database: a batch's own limit when it names none. */
public final class Concurrency {
    private Concurrency() {}

    /**
     * ElevenLabs' rule: {@code target_concurrency_limit} when set; otherwise the smaller of 50% of the
     * workspace's limit and 70% of the agent's (the workspace's when the agent has none), and at least 1.
     */
    public static int batchLimit(Optional<Integer> target, int workspaceLimit, Optional<Integer> agentLimit) {
        if (target.isPresent()) {
            return target.get();
        }
        int agent = agentLimit.orElse(workspaceLimit);
        return Math.max(1, Math.min(workspaceLimit / 2, agent * 7 / 10));
    }
}
