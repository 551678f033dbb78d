package io.batchcall.domain;

import io.batchcall.domain.CallingWindow.DailyRange;
import io.batchcall.domain.CallingWindow.Holidays;
import io.batchcall.domain.CallingWindow.JurisdictionRules;
import io.batchcall.domain.CallingWindow.UnknownTimezone;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * One calling window compiled for the claim: per recipient region, its hours intersected with the legal presets
 * (under enforce) and its closed dates (blackouts, the window's holidays, the presets' holidays); per (zones, region),
 * the next opening, remembered so that a batch of recipients in the same zones computes it once.
 */
public final class WindowRules {
    /** How long a recipient with no known zone is held before it is looked at again. */
    public static final Duration UNKNOWN_ZONE_RECHECK = Duration.ofDays(1);

    /** Entries kept per window before the cache starts again (a batch rarely spans more zone sets). */
    private static final int MAX_CACHED = 10_000;

    private final CallingWindow window;
    private final HolidayCalendar holidays;
    private final Map<String, Compiled> byRegion = new ConcurrentHashMap<>();
    private final Map<Key, Cached> openings = new ConcurrentHashMap<>();

    private record Key(List<ZoneId> zones, String region) {}

    private record Cached(Instant cachedFrom, WindowSchedule.Interval interval) {}

    private record Compiled(WindowSchedule schedule, Predicate<LocalDate> holiday, String policy) {}

    public WindowRules(CallingWindow window, HolidayCalendar holidays) {
        this.window = window;
        this.holidays = holidays;
    }

    public CallingWindow window() {
        return window;
    }

    /** The verdict for a recipient in {@code zones} at {@code now}. */
    public DialVerdict check(RecipientZones zones, Instant now) {
        if (window.expiresAt().filter(expiry -> !now.isBefore(expiry)).isPresent()) {
            return new DialVerdict.Skipped(SkipReason.WINDOW_EXPIRED);
        }
        if (zones.zones().isEmpty()) {
            if (window.unknownTimezone() == UnknownTimezone.SKIP) {
                return new DialVerdict.Skipped(SkipReason.TIMEZONE_UNKNOWN);
            }
            return new DialVerdict.Held(HoldReason.TIMEZONE_UNKNOWN, capped(now.plus(UNKNOWN_ZONE_RECHECK)));
        }
        var region = zones.region().map(r -> r.strip().toUpperCase(Locale.ROOT)).orElse("");
        var compiled = byRegion.computeIfAbsent(region, this::compile);
        var opening = opening(new Key(zones.zones(), region), compiled.schedule(), now);
        if (opening.isPresent() && opening.get().start().equals(now)) {
            var zone = zones.zones().getFirst();
            return new DialVerdict.Allowed(
                    Optional.of(zone), Optional.of(LocalDateTime.ofInstant(now, zone)), compiled.policy());
        }
        var reason = zones.zones().stream()
                        .map(zone -> LocalDateTime.ofInstant(now, zone).toLocalDate())
                        .anyMatch(compiled.holiday())
                ? HoldReason.HOLIDAY
                : HoldReason.OUTSIDE_WINDOW;
        // Never opens within the horizon (e.g. zones with no common hours): look again when the horizon has moved.
        var until = opening.map(WindowSchedule.Interval::start)
                .orElse(now.plus(Duration.ofDays(WindowSchedule.HORIZON_DAYS)));
        return new DialVerdict.Held(reason, capped(until));
    }

    /** The next opening, from the cache when an earlier search already covers {@code now}. */
    private Optional<WindowSchedule.Interval> opening(Key key, WindowSchedule schedule, Instant now) {
        var cached = openings.get(key);
        // A search from an earlier instant found nothing open before cached.start(): valid until its end.
        if (cached != null
                && !cached.cachedFrom().isAfter(now)
                && now.isBefore(cached.interval().end())) {
            var interval = cached.interval();
            if (!now.isBefore(interval.start())
                    && Duration.between(now, interval.end()).compareTo(schedule.minSlot()) >= 0) {
                return Optional.of(new WindowSchedule.Interval(now, interval.end()));
            }
            if (now.isBefore(interval.start())) {
                return Optional.of(interval);
            }
        }
        var found = schedule.nextOpening(now, key.zones());
        if (openings.size() > MAX_CACHED) {
            openings.clear();
        }
        found.ifPresent(interval -> openings.put(key, new Cached(now, interval)));
        return found;
    }

    private Instant capped(Instant until) {
        return window.expiresAt().filter(until::isAfter).orElse(until);
    }

    private Compiled compile(String region) {
        var hours = window.hours();
        var closed = new ArrayList<Predicate<LocalDate>>();
        var holidayDates = new ArrayList<Predicate<LocalDate>>();
        window.holidays().ifPresent(spec -> {
            switch (spec) {
                case Holidays.Calendar calendar ->
                    holidayDates.add(holidaysOf(calendar.country(), calendar.subdivision()));
                case Holidays.Auto auto -> {
                    if (!region.isEmpty()) {
                        holidayDates.add(holidaysOf(country(region), subdivision(region)));
                    }
                }
            }
        });
        var policy = new StringBuilder("calling_window");
        if (window.purpose().isPresent() && !region.isEmpty() && window.jurisdictionRules() != JurisdictionRules.OFF) {
            var presets = LegalPresets.forRegion(region, window.purpose().get());
            var narrowed = hours;
            for (var preset : presets) {
                narrowed = intersect(narrowed, preset.hours());
                if (preset.closedOnHolidays() && window.jurisdictionRules() == JurisdictionRules.ENFORCE) {
                    holidayDates.add(holidaysOf(country(region), subdivision(region)));
                }
            }
            if (!presets.isEmpty()) {
                var names = String.join(
                        "+",
                        presets.stream()
                                .map(LegalPresets.Preset::region)
                                .distinct()
                                .toList());
                policy.append("; preset ")
                        .append(names)
                        .append(' ')
                        .append(window.purpose().get().wireName())
                        .append(" v")
                        .append(LegalPresets.VERSION);
                if (window.jurisdictionRules() == JurisdictionRules.ENFORCE) {
                    hours = narrowed;
                } else if (!narrowed.equals(hours)) {
                    policy.append("; preset widened (warn)");
                }
            }
        }
        closed.addAll(holidayDates);
        closed.add(date -> window.blackoutDates().stream().anyMatch(b -> b.covers(date)));
        Predicate<LocalDate> holiday = date -> closed.stream().anyMatch(p -> p.test(date));
        return new Compiled(new WindowSchedule(hours, holiday, window.minSlotOrDefault()), holiday, policy.toString());
    }

    private Predicate<LocalDate> holidaysOf(String country, Optional<String> subdivision) {
        // Looked up per year on use; the calendar caches per (country, subdivision, year).
        return date ->
                holidays.closedDates(country, subdivision, date.getYear()).contains(date);
    }

    private static String country(String region) {
        int dash = region.indexOf('-');
        return dash < 0 ? region : region.substring(0, dash);
    }

    private static Optional<String> subdivision(String region) {
        return region.contains("-") ? Optional.of(region) : Optional.empty();
    }

    /** Per weekday, the parts of {@code a}'s ranges also in {@code b}'s. */
    static Map<DayOfWeek, List<DailyRange>> intersect(
            Map<DayOfWeek, List<DailyRange>> a, Map<DayOfWeek, List<DailyRange>> b) {
        var result = new EnumMap<DayOfWeek, List<DailyRange>>(DayOfWeek.class);
        for (var day : DayOfWeek.values()) {
            var ranges = new ArrayList<DailyRange>();
            for (var x : a.getOrDefault(day, List.of())) {
                for (var y : b.getOrDefault(day, List.of())) {
                    x.intersect(y).ifPresent(ranges::add);
                }
            }
            if (!ranges.isEmpty()) {
                ranges.sort(null);
                result.put(day, List.copyOf(ranges));
            }
        }
        return Map.copyOf(result);
    }
}
