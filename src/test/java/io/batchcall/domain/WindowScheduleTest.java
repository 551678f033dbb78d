package io.batchcall.domain;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.CallingWindow.DailyRange;
import io.batchcall.domain.WindowSchedule.Interval;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class WindowScheduleTest {
    private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
    private static final ZoneId CHICAGO = ZoneId.of("America/Chicago");
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    private static Map<DayOfWeek, List<DailyRange>> everyDay(DailyRange... ranges) {
        var hours = new EnumMap<DayOfWeek, List<DailyRange>>(DayOfWeek.class);
        for (var day : DayOfWeek.values()) {
            hours.put(day, List.of(ranges));
        }
        return hours;
    }

    private static DailyRange range(String from, String to) {
        return new DailyRange(LocalTime.parse(from), to.equals("24:00") ? LocalTime.MIDNIGHT : LocalTime.parse(to));
    }

    private static WindowSchedule schedule(Map<DayOfWeek, List<DailyRange>> hours) {
        return new WindowSchedule(hours, date -> false, Duration.ZERO);
    }

    @Test
    void a_window_starting_in_the_spring_forward_gap_opens_at_the_first_instant_after_it() {
        // 02:30 does not exist in New York on 2027-03-14: clocks jump from 02:00 EST to 03:00 EDT (07:00Z).
        var opening = schedule(everyDay(range("02:30", "04:00")))
                .nextOpening(Instant.parse("2027-03-14T05:00:00Z"), List.of(NEW_YORK));

        assertThat(opening)
                .contains(new Interval(Instant.parse("2027-03-14T07:00:00Z"), Instant.parse("2027-03-14T08:00:00Z")));
    }

    @Test
    void a_window_starting_in_the_fall_back_overlap_opens_at_its_first_occurrence() {
        // 01:30 happens twice in New York on 2027-11-07: first at 05:30Z (EDT), then at 06:30Z (EST).
        var opening = schedule(everyDay(range("01:30", "03:00")))
                .nextOpening(Instant.parse("2027-11-07T03:00:00Z"), List.of(NEW_YORK));

        assertThat(opening)
                .contains(new Interval(Instant.parse("2027-11-07T05:30:00Z"), Instant.parse("2027-11-07T08:00:00Z")));
    }

    @Test
    void berlin_hours_follow_the_clock_across_both_changes_of_2027() {
        var schedule = schedule(everyDay(range("08:00", "20:00")));

        // Sunday 2027-03-28 is CEST (UTC+2) from 02:00: 08:00 local is 06:00Z; the Saturday before it was 07:00Z.
        assertThat(schedule.nextOpening(Instant.parse("2027-03-27T22:00:00Z"), List.of(BERLIN)))
                .contains(new Interval(Instant.parse("2027-03-28T06:00:00Z"), Instant.parse("2027-03-28T18:00:00Z")));
        // Sunday 2027-10-31 is CET again (UTC+1): 08:00 local is 07:00Z.
        assertThat(schedule.nextOpening(Instant.parse("2027-10-30T22:00:00Z"), List.of(BERLIN)))
                .contains(new Interval(Instant.parse("2027-10-31T07:00:00Z"), Instant.parse("2027-10-31T19:00:00Z")));
        // 02:30 happens twice that night in Berlin; a window from it opens at the first (00:30Z, still CEST).
        assertThat(schedule(everyDay(range("02:30", "04:00")))
                        .nextOpening(Instant.parse("2027-10-30T22:00:00Z"), List.of(BERLIN)))
                .contains(new Interval(Instant.parse("2027-10-31T00:30:00Z"), Instant.parse("2027-10-31T03:00:00Z")));
    }

    @Test
    void an_evening_range_to_midnight_joins_the_next_days_early_range() {
        var opening = schedule(everyDay(range("00:00", "02:00"), range("22:00", "24:00")))
                .nextOpening(Instant.parse("2027-01-16T04:00:00Z"), List.of(NEW_YORK)); // 23:00 local

        assertThat(opening)
                .contains(new Interval(Instant.parse("2027-01-16T04:00:00Z"), Instant.parse("2027-01-16T07:00:00Z")));
    }

    @Test
    void a_number_in_two_zones_is_called_only_when_both_are_open() {
        // 07:30 in New York, 06:30 in Chicago: open in both from 08:00 Chicago (14:00Z) to 21:00 New York (02:00Z).
        var opening = schedule(everyDay(range("08:00", "21:00")))
                .nextOpening(Instant.parse("2027-01-15T12:30:00Z"), List.of(CHICAGO, NEW_YORK));

        assertThat(opening)
                .contains(new Interval(Instant.parse("2027-01-15T14:00:00Z"), Instant.parse("2027-01-16T02:00:00Z")));
        assertThat(schedule(everyDay(range("08:00", "21:00")))
                        .isOpen(Instant.parse("2027-01-15T13:30:00Z"), List.of(CHICAGO, NEW_YORK)))
                .isFalse();
    }

    @Test
    void no_call_starts_when_less_than_the_min_slot_remains_before_the_window_closes() {
        var schedule = new WindowSchedule(everyDay(range("08:00", "21:00")), date -> false, Duration.ofSeconds(90));
        var almostClosed = Instant.parse("2027-01-16T01:59:55Z"); // 20:59:55 in New York

        var opening = schedule.nextOpening(almostClosed, List.of(NEW_YORK));

        assertThat(opening.map(Interval::start)).contains(Instant.parse("2027-01-16T13:00:00Z"));
        assertThat(schedule.nextOpening(Instant.parse("2027-01-16T01:58:00Z"), List.of(NEW_YORK))
                        .map(Interval::start))
                .contains(Instant.parse("2027-01-16T01:58:00Z"));
    }

    @Test
    void weekdays_and_closed_dates_are_those_of_the_local_date_in_each_zone() {
        // Mondays only. At 2027-01-18T03:00Z it is Monday in Berlin but still Sunday in New York.
        var hours = new EnumMap<DayOfWeek, List<DailyRange>>(DayOfWeek.class);
        hours.put(DayOfWeek.MONDAY, List.of(range("00:00", "24:00")));
        var schedule = schedule(hours);

        assertThat(schedule.isOpen(Instant.parse("2027-01-18T03:00:00Z"), List.of(BERLIN)))
                .isTrue();
        assertThat(schedule.isOpen(Instant.parse("2027-01-18T03:00:00Z"), List.of(NEW_YORK)))
                .isFalse();
        assertThat(schedule.nextOpening(Instant.parse("2027-01-18T03:00:00Z"), List.of(BERLIN, NEW_YORK))
                        .map(Interval::start))
                .contains(Instant.parse("2027-01-18T05:00:00Z"));
    }

    @Test
    void zones_without_common_hours_never_open() {
        var opening = schedule(everyDay(range("09:00", "10:00")))
                .nextOpening(Instant.parse("2027-01-15T00:00:00Z"), List.of(BERLIN, ZoneId.of("Asia/Tokyo")));

        assertThat(opening).isEqualTo(Optional.empty());
    }
}
