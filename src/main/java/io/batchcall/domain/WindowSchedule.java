package io.batchcall.domain;

import io.batchcall.domain.CallingWindow.DailyRange;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The window arithmetic, on {@link Instant}s with {@code java.time} (never in SQL: PostgreSQL ships its own tzdata):
 * weekly local hours, dates on which nothing opens, and the room a call needs before the window closes. A local time
 * in a DST gap resolves to the first instant after the gap, one in an overlap to its first occurrence; weekdays and
 * closed dates are those of the local date in each zone on which the call would start.
 */
public record WindowSchedule(Map<DayOfWeek, List<DailyRange>> hours, Predicate<LocalDate> closedOn, Duration minSlot) {

    /** How far ahead an opening is looked for; a window with none in this time never opens. */
    public static final int HORIZON_DAYS = 400;

    /** A stretch of time, {@code [start, end)}, in which calls may start. */
    public record Interval(Instant start, Instant end) {
        public boolean contains(Instant instant) {
            return !instant.isBefore(start) && instant.isBefore(end);
        }
    }

    /**
     * The first stretch at or after {@code from} in which calls may start in every zone, with at least
     * {@link #minSlot} of room before it closes in one of them; its start is {@code from} when open then. Empty
     * when none begins within {@link #HORIZON_DAYS}.
     */
    public Optional<Interval> nextOpening(Instant from, List<ZoneId> zones) {
        var limit = from.plus(Duration.ofDays(HORIZON_DAYS));
        var t = from;
        // A fixed point: move t to the latest next start over the zones until all are open at t together.
        while (t.isBefore(limit)) {
            var latestStart = t;
            var earliestEnd = Instant.MAX;
            for (var zone : zones) {
                var interval = nextOpening(t, zone);
                if (interval.isEmpty()) {
                    return Optional.empty();
                }
                if (interval.get().start().isAfter(latestStart)) {
                    latestStart = interval.get().start();
                }
                if (interval.get().end().isBefore(earliestEnd)) {
                    earliestEnd = interval.get().end();
                }
            }
            if (latestStart.equals(t)) {
                if (Duration.between(t, earliestEnd).compareTo(minSlot) >= 0) {
                    return Optional.of(new Interval(t, earliestEnd));
                }
                t = earliestEnd; // too short for a call: look past it
            } else {
                t = latestStart;
            }
        }
        return Optional.empty();
    }

    /** The first stretch open in one zone whose end is after {@code from}, adjacent ranges merged. */
    Optional<Interval> nextOpening(Instant from, ZoneId zone) {
        // From the day before: a range of yesterday's local date may still be open now in no zone, but a merged
        // stretch ending at midnight must be joined to today's.
        var date = LocalDateTime.ofInstant(from, zone).toLocalDate().minusDays(1);
        Interval found = null;
        for (int day = 0; day <= HORIZON_DAYS + 1; day++, date = date.plusDays(1)) {
            if (closedOn.test(date)) {
                if (found != null) {
                    return Optional.of(found);
                }
                continue;
            }
            for (var range : hours.getOrDefault(date.getDayOfWeek(), List.of())) {
                var open = firstInstantAtOrAfter(date.atTime(range.start()), zone);
                var close = range.endsAtMidnight()
                        ? firstInstantAtOrAfter(date.plusDays(1).atStartOfDay(), zone)
                        : firstInstantAtOrAfter(date.atTime(range.end()), zone);
                if (found != null) {
                    if (open.isAfter(found.end())) {
                        return Optional.of(found);
                    }
                    if (close.isAfter(found.end())) {
                        found = new Interval(found.start(), close);
                    }
                    continue;
                }
                if (!close.isAfter(from) || !open.isBefore(close)) {
                    continue;
                }
                found = new Interval(open.isAfter(from) ? open : from, close);
            }
            if (found != null
                    && !found.end()
                            .equals(firstInstantAtOrAfter(date.plusDays(1).atStartOfDay(), zone))) {
                return Optional.of(found);
            }
        }
        return Optional.ofNullable(found);
    }

    /** Whether a call may start at {@code now} in every zone (ignoring {@link #minSlot}). */
    public boolean isOpen(Instant now, List<ZoneId> zones) {
        return zones.stream()
                .allMatch(zone -> nextOpening(now, zone)
                        .filter(interval -> interval.contains(now))
                        .isPresent());
    }

    /**
     * The first instant whose local wall-clock time is at or after {@code local}: in a DST gap, the transition;
     * in an overlap, the first occurrence.
     */
    static Instant firstInstantAtOrAfter(LocalDateTime local, ZoneId zone) {
        var transition = zone.getRules().getTransition(local);
        if (transition != null && transition.isGap()) {
            return transition.getInstant();
        }
        return local.atZone(zone).toInstant(); // an overlap keeps the earlier offset
    }
}
