package io.batchcall.domain;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A batch's calling window, as stored in {@code batches.calling_window} (normalised at submit): the local hours per
 * weekday in which a call may start, the holidays and blackout dates on which none may, when waiting stops, the
 * purpose that picks the legal presets, the room a call needs before the window closes, and what to do with a
 * recipient whose zone is unknown. Every rule is evaluated in each of the recipient's zones by {@link WindowSchedule}.
 */
public record CallingWindow(
        Map<DayOfWeek, List<DailyRange>> hours,
        Optional<Holidays> holidays,
        List<Blackout> blackoutDates,
        Optional<Instant> expiresAt,
        Optional<Purpose> purpose,
        Optional<Duration> minSlot,
        UnknownTimezone unknownTimezone,
        JurisdictionRules jurisdictionRules) {

    /** The margin added to a batch's ringing timeout when the window names no {@code min_slot_seconds}. */
    public static final Duration MIN_SLOT_MARGIN = Duration.ofSeconds(30);

    public CallingWindow {
        var copy = new EnumMap<DayOfWeek, List<DailyRange>>(DayOfWeek.class);
        hours.forEach((day, ranges) -> {
            if (!ranges.isEmpty()) {
                copy.put(day, ranges.stream().sorted().toList());
            }
        });
        hours = java.util.Collections.unmodifiableMap(copy);
        blackoutDates = List.copyOf(blackoutDates);
    }

    /** The room a call needs: the stored {@code min_slot_seconds}, else the default ringing timeout plus margin. */
    public Duration minSlotOrDefault() {
        return minSlot.orElse(Duration.ofSeconds(TelephonyCallConfig.DEFAULT_RINGING_TIMEOUT_SECS)
                .plus(MIN_SLOT_MARGIN));
    }

    /**
     * One range of local wall-clock time, {@code [start, end)}; an {@code end} of {@link LocalTime#MIDNIGHT} means
     * the end of the day (written "24:00"). Ranges never cross midnight: a night window is two ranges, one per
     * date, so that each date's weekday and holidays apply to the calls made on it.
     */
    public record DailyRange(LocalTime start, LocalTime end) implements Comparable<DailyRange> {
        public DailyRange {
            if (!endsAtMidnight(end) && !end.isAfter(start)) {
                throw new IllegalArgumentException("a range ends after it starts (" + start + "-" + end + ")");
            }
        }

        private static boolean endsAtMidnight(LocalTime end) {
            return end.equals(LocalTime.MIDNIGHT);
        }

        public boolean endsAtMidnight() {
            return endsAtMidnight(end);
        }

        /** The part of this range also in {@code other}, when they overlap. */
        public Optional<DailyRange> intersect(DailyRange other) {
            var from = start.isAfter(other.start) ? start : other.start;
            LocalTime to;
            if (endsAtMidnight()) {
                to = other.end;
            } else if (other.endsAtMidnight()) {
                to = end;
            } else {
                to = end.isBefore(other.end) ? end : other.end;
            }
            if (to.equals(LocalTime.MIDNIGHT) || to.isAfter(from)) {
                return Optional.of(new DailyRange(from, to));
            }
            return Optional.empty();
        }

        @Override
        public int compareTo(DailyRange other) {
            return start.compareTo(other.start);
        }
    }

    /** Which public holidays close the window. */
    public sealed interface Holidays {
        /** One calendar for every recipient: an ISO 3166-1 country and optionally a 3166-2 subdivision. */
        record Calendar(String country, Optional<String> subdivision) implements Holidays {}

        /** Each recipient's own calendar, from its region (given, or read from its number). */
        record Auto() implements Holidays {}
    }

    /** Named dates on which no call starts, {@code from} to {@code to} inclusive, on the recipient's local date. */
    public record Blackout(String name, LocalDate from, LocalDate to) {
        public Blackout {
            if (to.isBefore(from)) {
                throw new IllegalArgumentException("a blackout ends on or after its first date");
            }
        }

        public boolean covers(LocalDate date) {
            return !date.isBefore(from) && !date.isAfter(to);
        }
    }

    /** Why the calls are made: picks the legal presets ({@link LegalPresets}). */
    public enum Purpose {
        TELEMARKETING,
        INFORMATIONAL,
        COLLECTIONS,
        SURVEY;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static Optional<Purpose> fromWire(String name) {
            return Arrays.stream(values())
                    .filter(p -> p.wireName().equals(name))
                    .findFirst();
        }
    }

    /** What happens to a recipient with no known zone while a window applies. */
    public enum UnknownTimezone {
        HOLD,
        SKIP;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static Optional<UnknownTimezone> fromWire(String name) {
            return Arrays.stream(values())
                    .filter(p -> p.wireName().equals(name))
                    .findFirst();
        }
    }

    /**
     * How the legal presets apply (a workspace setting, copied into the window at submit): enforce intersects them
     * with the window (a batch may narrow, never widen them), warn only reports a widening in the verdict's policy,
     * off ignores them.
     */
    public enum JurisdictionRules {
        ENFORCE,
        WARN,
        OFF;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static Optional<JurisdictionRules> fromWire(String name) {
            return Arrays.stream(values())
                    .filter(p -> p.wireName().equals(name))
                    .findFirst();
        }
    }
}
