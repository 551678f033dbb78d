package io.batchcall.domain;

import io.batchcall.domain.CallingWindow.DailyRange;
import io.batchcall.domain.CallingWindow.Purpose;
import java.time.DayOfWeek;
import java.time.LocalTime;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Legal calling hours by jurisdiction and purpose, in the called party's local time: data, versioned in code
 * ({@link #VERSION}), from the research in {@code calling-windows.md} §1 (its sources; rows marked there as secondary
 * or unverified are marked so here). A recipient's preset is the intersection of its country's row and its
 * subdivision's row (a state may only be stricter). Not legal advice: a default a workspace can turn to warn or off.
 */
public final class LegalPresets {
    /** The date of the research the rows come from; it goes into each verdict's policy string. */
    public static final String VERSION = "2026-11-29";

    private static final Set<Purpose> ALL = EnumSet.allOf(Purpose.class);
    private static final Set<Purpose> TM = EnumSet.of(Purpose.TELEMARKETING);
    private static final Set<Purpose> NOT_TM = EnumSet.complementOf(EnumSet.of(Purpose.TELEMARKETING));

    /**
     * One row: in {@code region} (a country, or a subdivision such as {@code US-FL}), for these purposes, calls may
     * start only in {@code hours}, and never on the region's public holidays when {@code closedOnHolidays}.
     */
    public record Preset(
            String region,
            Set<Purpose> purposes,
            Map<DayOfWeek, List<DailyRange>> hours,
            boolean closedOnHolidays,
            String source) {}

    private static final List<Preset> ROWS = List.of(
            // US federal: TCPA/TSR 8-21 for solicitations, Reg F for collections; an AI voice is an artificial
            // voice (FCC 24-17), so the research recommends 8-21 for every purpose.
            row("US", ALL, every(8, 0, 21, 0), false, "47 CFR 64.1200(c)(1); 16 CFR 310.4(c); 12 CFR 1006.14"),
            row("US-FL", TM, every(8, 0, 20, 0), false, "Fla. Stat. 501.616(6)"),
            row("US-OK", TM, every(8, 0, 20, 0), false, "15 O.S. 775C"),
            // Oklahoma's automated-dialing rule applies whatever the purpose, and an AI voice dials automatically.
            row("US-OK", ALL, every(9, 0, 21, 0), false, "15 O.S. 755.1(C)(2)"),
            row("US-MD", TM, every(8, 0, 20, 0), false, "Stop the Spam Calls Act 2023"),
            row("US-WA", TM, every(8, 0, 20, 0), false, "RCW 19.158.040"),
            row(
                    "US-TX",
                    TM,
                    days(Map.of(DayOfWeek.SUNDAY, range(12, 0, 21, 0)), range(9, 0, 21, 0)),
                    false,
                    "Tex. Bus. & Com. Code 301.051 (secondary, unverified)"),
            row("US-AL", TM, exceptSunday(8, 0, 20, 0), true, "Ala. Admin. Code 770-X-5-.17 (secondary)"),
            row("US-LA", TM, exceptSunday(8, 0, 20, 0), true, "La. R.S. 45:844.31 (secondary)"),
            row("US-MS", TM, exceptSunday(8, 0, 20, 0), false, "(secondary)"),
            row("US-RI", TM, rhodeIsland(), true, "R.I. Gen. Laws 5-61-3.6 (hours secondary)"),
            row("US-UT", TM, exceptSunday(8, 0, 21, 0), true, "(secondary)"),
            row("US-CT", TM, every(9, 0, 20, 0), false, "Conn. Gen. Stat. 42-288a (secondary)"),
            row("US-KY", TM, every(10, 0, 21, 0), false, "KRS 367.46955(3) (secondary)"),
            row("US-MA", TM, every(8, 0, 20, 0), false, "(secondary)"),
            row("US-MI", TM, every(9, 0, 21, 0), false, "(secondary)"),
            row("US-MN", TM, every(9, 0, 21, 0), false, "(secondary)"),
            row("US-NV", TM, every(9, 0, 20, 0), false, "(secondary)"),
            row("US-NM", TM, every(9, 0, 21, 0), false, "(secondary)"),
            // Automated dialing, whatever the purpose.
            row("US-IL", ALL, every(9, 0, 21, 0), false, "815 ILCS 305 (secondary)"),
            row("US-CA", ALL, every(9, 0, 21, 0), false, "Cal. Pub. Util. Code 2872(c) (secondary)"),
            row("CA", TM, weekdaysAndWeekend(range(9, 0, 21, 30), range(10, 0, 18, 0)), false, "CRTC UTR"),
            // An AI voice is an automatic dialing-announcing device in Canada; the brochure's hours (to verify).
            row("CA", NOT_TM, canadaAdad(), false, "CRTC ADAD rules (older brochure, to verify)"),
            // No statutory hours in the UK or Germany: listed so the table shows the jurisdiction was considered.
            row("GB", ALL, every(0, 0, 0, 0), false, "PECR / Ofcom: no statutory hours"),
            row("DE", ALL, every(0, 0, 0, 0), false, "UWG: no statutory hours"),
            row("FR", TM, france(), true, "Code de la consommation D.223-9 (décret 2022-1313)"),
            row("IN", ALL, every(9, 0, 21, 0), false, "TRAI 2011: no commercial communication 21:00-09:00"),
            row(
                    "AU",
                    TM,
                    australia(range(9, 0, 20, 0), Optional.empty()),
                    true,
                    "Telemarketing and Research Calls Industry Standard 2017"),
            row(
                    "AU",
                    EnumSet.of(Purpose.SURVEY),
                    australia(range(9, 0, 20, 30), Optional.of(range(9, 0, 17, 0))),
                    true,
                    "Telemarketing and Research Calls Industry Standard 2017 (research calls)"));

    private LegalPresets() {}

    /** Every row, for the README and tests. */
    public static List<Preset> rows() {
        return ROWS;
    }

    /**
     * The rows for a recipient in {@code region} ({@code US}, {@code US-FL}, {@code gb}: case does not matter):
     * its country's and its subdivision's rows for the purpose; empty when no row applies.
     */
    public static List<Preset> forRegion(String region, Purpose purpose) {
        var normal = region.strip().toUpperCase(java.util.Locale.ROOT);
        var country = normal.contains("-") ? normal.substring(0, normal.indexOf('-')) : normal;
        return ROWS.stream()
                .filter(row -> row.purposes().contains(purpose))
                .filter(row -> row.region().equals(country) || row.region().equals(normal))
                .toList();
    }

    private static Preset row(
            String region,
            Set<Purpose> purposes,
            Map<DayOfWeek, List<DailyRange>> hours,
            boolean holidays,
            String source) {
        return new Preset(region, Set.copyOf(purposes), Map.copyOf(hours), holidays, source);
    }

    private static DailyRange range(int fromHour, int fromMinute, int toHour, int toMinute) {
        return new DailyRange(LocalTime.of(fromHour, fromMinute), LocalTime.of(toHour % 24, toMinute));
    }

    private static Map<DayOfWeek, List<DailyRange>> every(int fromHour, int fromMinute, int toHour, int toMinute) {
        return days(Map.of(), range(fromHour, fromMinute, toHour, toMinute));
    }

    private static Map<DayOfWeek, List<DailyRange>> days(Map<DayOfWeek, DailyRange> special, DailyRange usual) {
        var hours = new EnumMap<DayOfWeek, List<DailyRange>>(DayOfWeek.class);
        for (var day : DayOfWeek.values()) {
            hours.put(day, List.of(special.getOrDefault(day, usual)));
        }
        return hours;
    }

    private static Map<DayOfWeek, List<DailyRange>> exceptSunday(
            int fromHour, int fromMinute, int toHour, int toMinute) {
        var hours = every(fromHour, fromMinute, toHour, toMinute);
        var copy = new EnumMap<DayOfWeek, List<DailyRange>>(hours);
        copy.remove(DayOfWeek.SUNDAY);
        return copy;
    }

    private static Map<DayOfWeek, List<DailyRange>> weekdaysAndWeekend(DailyRange weekdays, DailyRange weekend) {
        var hours = new EnumMap<DayOfWeek, List<DailyRange>>(DayOfWeek.class);
        for (var day : DayOfWeek.values()) {
            hours.put(day, List.of(day.getValue() <= 5 ? weekdays : weekend));
        }
        return hours;
    }

    private static Map<DayOfWeek, List<DailyRange>> rhodeIsland() {
        var hours = new EnumMap<DayOfWeek, List<DailyRange>>(DayOfWeek.class);
        for (var day : List.of(
                DayOfWeek.MONDAY, DayOfWeek.TUESDAY, DayOfWeek.WEDNESDAY, DayOfWeek.THURSDAY, DayOfWeek.FRIDAY)) {
            hours.put(day, List.of(range(9, 0, 18, 0)));
        }
        hours.put(DayOfWeek.SATURDAY, List.of(range(10, 0, 17, 0)));
        return hours;
    }

    private static Map<DayOfWeek, List<DailyRange>> canadaAdad() {
        var hours = weekdaysAndWeekend(range(9, 30, 20, 0), range(10, 30, 17, 0));
        hours.put(DayOfWeek.SUNDAY, List.of(range(12, 0, 17, 0)));
        return hours;
    }

    private static Map<DayOfWeek, List<DailyRange>> france() {
        var hours = new EnumMap<DayOfWeek, List<DailyRange>>(DayOfWeek.class);
        for (var day : List.of(
                DayOfWeek.MONDAY, DayOfWeek.TUESDAY, DayOfWeek.WEDNESDAY, DayOfWeek.THURSDAY, DayOfWeek.FRIDAY)) {
            hours.put(day, List.of(range(10, 0, 13, 0), range(14, 0, 20, 0)));
        }
        return hours;
    }

    private static Map<DayOfWeek, List<DailyRange>> australia(DailyRange weekdays, Optional<DailyRange> sunday) {
        var hours = new EnumMap<DayOfWeek, List<DailyRange>>(DayOfWeek.class);
        for (var day : List.of(
                DayOfWeek.MONDAY, DayOfWeek.TUESDAY, DayOfWeek.WEDNESDAY, DayOfWeek.THURSDAY, DayOfWeek.FRIDAY)) {
            hours.put(day, List.of(weekdays));
        }
        hours.put(DayOfWeek.SATURDAY, List.of(range(9, 0, 17, 0)));
        sunday.ifPresent(range -> hours.put(DayOfWeek.SUNDAY, List.of(range)));
        return hours;
    }
}
