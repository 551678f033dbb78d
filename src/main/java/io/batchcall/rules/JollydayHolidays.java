package io.batchcall.rules;

import de.focus_shift.jollyday.core.HolidayManager;
import de.focus_shift.jollyday.core.HolidayType;
import de.focus_shift.jollyday.core.ManagerParameters;
import io.batchcall.domain.HolidayCalendar;
import java.time.LocalDate;
import java.time.Year;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Public holidays from jollyday, cached per (country, subdivision, year): the first load of a calendar parses its
 * XML (about half a second), later lookups are a set's. Both the actual and the observed date of a holiday close
 * the window (jollyday's own {@code isHoliday} knows only the observed one).
 */
public final class JollydayHolidays implements HolidayCalendar {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(JollydayHolidays.class);

    private record Key(String country, Optional<String> subdivision, int year) {}

    private final Map<Key, Set<LocalDate>> cache = new ConcurrentHashMap<>();
    /** Shared by every instance and by the API's checks of named calendars: a manager is its country's parsed XML. */
    private static final Map<String, Optional<HolidayManager>> managers = new ConcurrentHashMap<>();

    @Override
    public Set<LocalDate> closedDates(String country, Optional<String> subdivision, int year) {
        return cache.computeIfAbsent(
                new Key(country.toUpperCase(Locale.ROOT), subdivision.map(s -> s.toUpperCase(Locale.ROOT)), year),
                this::load);
    }

    private Set<LocalDate> load(Key key) {
        var manager = managers.computeIfAbsent(key.country(), JollydayHolidays::manager);
        if (manager.isEmpty()) {
            return Set.of();
        }
        // jollyday's subdivision argument is the part after the dash, lower case: "US-CA" -> "ca".
        var args = key.subdivision()
                .map(s -> s.substring(s.indexOf('-') + 1).toLowerCase(Locale.ROOT))
                .map(s -> new String[] {s})
                .orElse(new String[0]);
        var dates = new HashSet<LocalDate>();
        for (var holiday : manager.get().getHolidays(Year.of(key.year()), HolidayType.PUBLIC_HOLIDAY, args)) {
            dates.add(holiday.getActualDate());
            dates.add(holiday.getDate());
            holiday.getObservedDate().ifPresent(dates::add);
        }
        // A holiday observed in the next year (New Year's Day on a Saturday, observed the Friday before) is found
        // with that year's: take the neighbours' dates that fall in this year too.
        for (int neighbour : new int[] {key.year() - 1, key.year() + 1}) {
            for (var holiday : manager.get().getHolidays(Year.of(neighbour), HolidayType.PUBLIC_HOLIDAY, args)) {
                for (var date : new LocalDate[] {holiday.getActualDate(), holiday.getDate()}) {
                    if (date != null && date.getYear() == key.year()) {
                        dates.add(date);
                    }
                }
            }
        }
        dates.remove(null);
        return Set.copyOf(dates);
    }

    /** True when jollyday has a public holiday calendar for this ISO 3166-1 country code (any case). */
    public static boolean knowsCountry(String country) {
        return de.focus_shift.jollyday.core.HolidayCalendar.getSupportedCalendarCodes().stream()
                .anyMatch(code -> code.equalsIgnoreCase(country));
    }

    /**
     * The subdivisions of a country jollyday has calendars for, as {@code US-CA}, sorted; empty for a country it
     * does not know. The first call for a country loads its calendar (about half a second), later ones are a map's.
     */
    public static List<String> subdivisions(String country) {
        var code = country.toUpperCase(Locale.ROOT);
        if (!knowsCountry(code)) {
            return List.of();
        }
        return managers.computeIfAbsent(code, JollydayHolidays::manager)
                .map(manager -> manager.getCalendarHierarchy().getChildren().keySet().stream()
                        .map(child -> code + "-" + child.toUpperCase(Locale.ROOT))
                        .sorted()
                        .toList())
                .orElse(List.of());
    }

    private static Optional<HolidayManager> manager(String country) {
        try {
            return Optional.of(HolidayManager.getInstance(ManagerParameters.create(country.toLowerCase(Locale.ROOT))));
        } catch (RuntimeException e) {
            log.warn("No holiday calendar for country={}; its recipients have no holidays", country);
            return Optional.empty();
        }
    }
}
