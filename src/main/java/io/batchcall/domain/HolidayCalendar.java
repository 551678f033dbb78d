package io.batchcall.domain;

import java.time.LocalDate;
import java.util.Optional;
import java.util.Set;

/**
 * Public holidays of a country (ISO 3166-1, e.g. {@code US}) or one of its subdivisions (ISO 3166-2, e.g.
 * {@code US-CA}) in one year: both the actual and the observed date of each, since a call on either is a call on
 * the holiday. Unknown calendars have none.
 */
public interface HolidayCalendar {
    Set<LocalDate> closedDates(String country, Optional<String> subdivision, int year);

    HolidayCalendar NONE = (country, subdivision, year) -> Set.of();
}
