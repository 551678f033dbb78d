package io.batchcall.domain;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Shares a workspace's free capacity between its due batches one call at a time, in turn (the order given:
 * the batch served longest ago first), within each batch's, agent's and number's own room. Round-robin, not
 * first come first served: every batch progresses.
 */
public final class FairShare {
    private FairShare() {}

    /** A due batch and where its calls would go. */
    public record Candidate(String batchId, String agentId, String numberId, int batchRoom) {}

    /** Calls per batch id; batches that get none are absent. */
    public static Map<String, Integer> share(
            List<Candidate> batches,
            int workspaceRoom,
            Map<String, Integer> agentRoom,
            Map<String, Integer> numberRoom) {
        var shares = new HashMap<String, Integer>();
        var batchRoom = new HashMap<String, Integer>();
        batches.forEach(b -> batchRoom.put(b.batchId(), b.batchRoom()));
        var agents = new HashMap<>(agentRoom);
        var numbers = new HashMap<>(numberRoom);
        int free = workspaceRoom;
        boolean progressed = true;
        while (free > 0 && progressed) {
            progressed = false;
            for (var batch : batches) {
                if (free > 0
                        && batchRoom.get(batch.batchId()) > 0
                        && agents.getOrDefault(batch.agentId(), 0) > 0
                        && numbers.getOrDefault(batch.numberId(), 0) > 0) {
                    shares.merge(batch.batchId(), 1, Integer::sum);
                    batchRoom.merge(batch.batchId(), -1, Integer::sum);
                    agents.merge(batch.agentId(), -1, Integer::sum);
                    numbers.merge(batch.numberId(), -1, Integer::sum);
                    free--;
                    progressed = true;
                }
            }
        }
        return shares;
    }
}
