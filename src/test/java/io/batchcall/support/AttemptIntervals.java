package io.batchcall.support;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** Reads every attempt of a batch through the attempts endpoint, and measures how many overlapped at once. */
public final class AttemptIntervals {
    private AttemptIntervals() {}

    public static List<JsonNode> all(ApiClient client, String batchId) {
        var attempts = new ArrayList<JsonNode>();
        String cursor = null;
        do {
            var page = client.get("/v1/convai/batch-calling/" + batchId + "/attempts?limit=1000"
                            + (cursor == null ? "" : "&cursor=" + cursor))
                    .json();
            page.get("attempts").forEach(attempts::add);
            cursor = page.get("has_more").asBoolean() ? page.get("next_cursor").asText() : null;
        } while (cursor != null);
        return attempts;
    }

    /**
     * The most attempts in flight at one instant, from claim to end (a slot is taken at the claim, before the
     * dial, and given back at the end).
     */
    public static int mostAtOnce(List<JsonNode> attempts) {
        var events = new ArrayList<long[]>();
        for (var attempt : attempts) {
            events.add(new long[] {attempt.get("claimed_at_unix_ms").asLong(), 1});
            events.add(new long[] {attempt.get("ended_at_unix_ms").asLong(), -1});
        }
        // Ends before starts at the same millisecond: a slot freed and refilled within one ms is not an overlap.
        events.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        int current = 0;
        int most = 0;
        for (var event : events) {
            current += (int) event[1];
            most = Math.max(most, current);
        }
        return most;
    }
}
