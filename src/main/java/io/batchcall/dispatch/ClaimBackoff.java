package io.batchcall.dispatch;

import io.batchcall.domain.WorkspaceId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * The workspaces whose last claim failed for a reason that repeats (a stored value PostgreSQL or we cannot read, a
 * bug), and until when each sits out. One workspace's failing claim must not hold back everyone else's: the pass
 * goes on to the next workspace, and the failing one is tried again after a back-off that doubles, so that a fixed
 * row is picked up within a minute and a broken one does not fill the log. Used by the dispatch loop's thread only.
 */
final class ClaimBackoff {
    static final Duration FIRST = Duration.ofSeconds(1);
    static final Duration LONGEST = Duration.ofSeconds(60);

    private record Waiting(Instant until, Duration last, int failures) {}

    private final Clock clock;
    private final Map<WorkspaceId, Waiting> waiting = new HashMap<>();

    ClaimBackoff(Clock clock) {
        this.clock = clock;
    }

    /** True when the workspace may be claimed in now: it has not failed, or its back-off is over. */
    boolean due(WorkspaceId workspace) {
        var wait = waiting.get(workspace);
        return wait == null || !clock.instant().isBefore(wait.until());
    }

    /** Its claim failed again: it sits out twice as long as last time (the first time {@link #FIRST}). */
    Failure failed(WorkspaceId workspace) {
        var previous = waiting.get(workspace);
        var wait = previous == null ? FIRST : min(previous.last().multipliedBy(2), LONGEST);
        int failures = previous == null ? 1 : previous.failures() + 1;
        waiting.put(workspace, new Waiting(clock.instant().plus(wait), wait, failures));
        return new Failure(wait, failures);
    }

    /** Its claim went through: the next failure starts from {@link #FIRST} again. */
    void succeeded(WorkspaceId workspace) {
        waiting.remove(workspace);
    }

    /** How long a failed workspace now sits out, and how many of its claims in a row have failed. */
    record Failure(Duration sitsOut, int inARow) {}

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
