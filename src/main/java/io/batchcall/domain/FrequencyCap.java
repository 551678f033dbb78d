package io.batchcall.domain;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A workspace's limit on calls to one number: at most {@code max} attempts in any rolling {@code per}, counted on
 * the attempts' claim instants across every batch and single call of the workspace.
 */
public record FrequencyCap(int max, Duration per) {
    public static final int MAX_MAX = 1_000;
    public static final Duration MIN_PER = Duration.ofSeconds(60);
    public static final Duration MAX_PER = Duration.ofSeconds(31_536_000);
    /** The most caps a workspace may set. */
    public static final int MAX_CAPS = 5;

    public FrequencyCap {
        if (max < 1 || max > MAX_MAX) {
            throw new IllegalArgumentException("max is 1 to " + MAX_MAX);
        }
        if (per.compareTo(MIN_PER) < 0 || per.compareTo(MAX_PER) > 0) {
            throw new IllegalArgumentException("per_seconds is " + MIN_PER.toSeconds() + " to " + MAX_PER.toSeconds());
        }
    }

    /**
     * When a number whose attempts were claimed at {@code claims} may be called again under every cap: empty when
     * it may be now, else the instant enough of the counted attempts have left their windows. An attempt claimed
     * at {@code c} counts while {@code c > t - per}, so it stops counting at {@code c + per}.
     */
    public static Optional<Instant> release(List<FrequencyCap> caps, List<Instant> claims, Instant now) {
        Instant release = null;
        for (var cap : caps) {
            var counted = claims.stream()
                    .filter(claimedAt -> claimedAt.isAfter(now.minus(cap.per())))
                    .sorted()
                    .toList();
            if (counted.size() >= cap.max()) {
                // One fewer than max must remain: the (n - max + 1)-th oldest has to leave the window.
                var free = counted.get(counted.size() - cap.max()).plus(cap.per());
                if (release == null || free.isAfter(release)) {
                    release = free;
                }
            }
        }
        return Optional.ofNullable(release);
    }

    /** The longest window of these caps: how far back the claim must count. */
    public static Duration longest(List<FrequencyCap> caps) {
        return caps.stream().map(FrequencyCap::per).max(Duration::compareTo).orElse(Duration.ZERO);
    }
}
