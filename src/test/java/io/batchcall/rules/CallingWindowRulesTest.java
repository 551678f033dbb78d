package io.batchcall.rules;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.DialVerdict;
import io.batchcall.domain.HoldReason;
import io.batchcall.domain.RecipientZones;
import io.batchcall.domain.SkipReason;
import io.batchcall.support.MutableClock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CallingWindowRulesTest {
    private static final CallingWindowRules RULES = new CallingWindowRules(new JollydayHolidays());
    private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

    private static RecipientZones in(String region, String... zones) {
        return new RecipientZones(
                java.util.Arrays.stream(zones).map(ZoneId::of).toList(),
                Optional.of(RecipientZones.Source.RECIPIENT),
                Optional.ofNullable(region));
    }

    private static DialVerdict check(String window, RecipientZones zones, Instant now) {
        return RULES.check(Optional.of(window), zones, now);
    }

    @Test
    void independence_day_on_a_saturday_closes_both_the_actual_day_and_the_observed_friday() {
        var window = """
                {"days": ["mon","tue","wed","thu","fri","sat","sun"], "start": "09:00", "end": "20:00",
                 "holidays": {"country": "US"}, "min_slot_seconds": 90}""";
        var clock = new MutableClock(Instant.parse("2026-07-02T15:00:00Z")); // Thursday 11:00 in New York
        assertThat(check(window, in(null, "America/New_York"), clock.instant()))
                .isInstanceOf(DialVerdict.Allowed.class);

        clock.set(Instant.parse("2026-07-03T15:00:00Z")); // Friday, the observed holiday
        assertThat(check(window, in(null, "America/New_York"), clock.instant()))
                .isEqualTo(new DialVerdict.Held(HoldReason.HOLIDAY, Instant.parse("2026-07-05T13:00:00Z")));

        clock.set(Instant.parse("2026-07-04T15:00:00Z")); // Saturday, the actual date
        assertThat(check(window, in(null, "America/New_York"), clock.instant()))
                .isEqualTo(new DialVerdict.Held(HoldReason.HOLIDAY, Instant.parse("2026-07-05T13:00:00Z")));
    }

    @Test
    void auto_holidays_follow_the_recipients_region_and_blackouts_close_everyone() {
        var window = """
                {"start": "09:00", "end": "20:00", "holidays": "auto",
                 "blackout_dates": [{"name": "shutdown", "from": "2026-12-28", "to": "2026-12-30"}]}""";
        // 2026-10-03, German Unity Day (a Saturday): closed in Berlin, open for a US recipient in New York.
        var unityDay = Instant.parse("2026-10-03T14:00:00Z");
        assertThat(check(window, in("DE", "Europe/Berlin"), unityDay))
                .isInstanceOfSatisfying(
                        DialVerdict.Held.class,
                        held -> assertThat(held.reason()).isEqualTo(HoldReason.HOLIDAY));
        assertThat(check(window, in("US", "America/New_York"), unityDay)).isInstanceOf(DialVerdict.Allowed.class);
        assertThat(check(window, in("US", "America/New_York"), Instant.parse("2026-12-29T16:00:00Z")))
                .isEqualTo(new DialVerdict.Held(HoldReason.HOLIDAY, Instant.parse("2026-12-31T14:00:00Z")));
    }

    @Test
    void a_call_is_not_started_at_20_59_55_when_the_min_slot_does_not_fit() {
        var window = """
                {"start": "08:00", "end": "21:00", "min_slot_seconds": 90}""";

        var verdict = check(window, in(null, "America/New_York"), Instant.parse("2027-01-16T01:59:55Z"));

        assertThat(verdict)
                .isEqualTo(new DialVerdict.Held(HoldReason.OUTSIDE_WINDOW, Instant.parse("2027-01-16T13:00:00Z")));
    }

    @Test
    void an_allowed_call_carries_the_zone_and_local_time_for_the_audit() {
        var verdict = check("""
                {"start": "08:00", "end": "21:00"}""", in(null, "America/New_York"), Instant.parse("2027-01-15T15:00:00Z"));

        assertThat(verdict).isInstanceOfSatisfying(DialVerdict.Allowed.class, allowed -> {
            assertThat(allowed.zone()).contains(NEW_YORK);
            assertThat(allowed.localTime()).contains(java.time.LocalDateTime.parse("2027-01-15T10:00"));
        });
    }

    @Test
    void after_the_expiry_a_waiting_recipient_is_skipped_and_before_it_holds_no_longer_than_it() {
        var window = """
                {"days": ["mon"], "start": "09:00", "end": "17:00", "expires_at_unix": 1800000000}""";
        var expiry = Instant.ofEpochSecond(1_800_000_000L); // 2027-01-15T08:00:00Z, a Friday

        assertThat(check(window, in(null, "America/New_York"), expiry))
                .isEqualTo(new DialVerdict.Skipped(SkipReason.WINDOW_EXPIRED));
        assertThat(check(window, in(null, "America/New_York"), expiry.minusSeconds(3600)))
                .isEqualTo(new DialVerdict.Held(HoldReason.OUTSIDE_WINDOW, expiry));
    }

    @Test
    void an_unknown_zone_holds_or_skips_as_the_window_says() {
        var now = Instant.parse("2027-01-15T15:00:00Z");
        var nowhere = new RecipientZones(List.of(), Optional.empty(), Optional.empty());

        assertThat(check("""
                {"start": "09:00", "end": "17:00"}""", nowhere, now))
                .isEqualTo(new DialVerdict.Held(HoldReason.TIMEZONE_UNKNOWN, now.plus(java.time.Duration.ofDays(1))));
        assertThat(check("""
                {"start": "09:00", "end": "17:00", "unknown_timezone": "skip"}""", nowhere, now)).isEqualTo(new DialVerdict.Skipped(SkipReason.TIMEZONE_UNKNOWN));
    }

    @Test
    void a_florida_telemarketing_call_stops_at_20_00_under_enforce_and_is_reported_under_warn() {
        var at2030 = Instant.parse("2027-01-16T01:30:00Z"); // 20:30 in New York (Miami)
        var florida = in("US-FL", "America/New_York");

        assertThat(check("""
                {"start": "08:00", "end": "21:00", "purpose": "telemarketing"}""", florida, at2030))
                .isEqualTo(new DialVerdict.Held(HoldReason.OUTSIDE_WINDOW, Instant.parse("2027-01-16T13:00:00Z")));
        assertThat(check("""
                {"start": "08:00", "end": "21:00", "purpose": "telemarketing", "jurisdiction_rules": "warn"}""", florida, at2030))
                .isInstanceOfSatisfying(
                        DialVerdict.Allowed.class,
                        allowed -> assertThat(allowed.policy()).contains("preset widened (warn)"));
        assertThat(check("""
                {"start": "08:00", "end": "21:00", "purpose": "telemarketing", "jurisdiction_rules": "off"}""", florida, at2030))
                .isInstanceOfSatisfying(
                        DialVerdict.Allowed.class,
                        allowed -> assertThat(allowed.policy()).doesNotContain("preset"));
        // Informational calls are not narrowed by Florida's telemarketing hours.
        assertThat(check("""
                {"start": "08:00", "end": "21:00", "purpose": "informational"}""", florida, at2030)).isInstanceOf(DialVerdict.Allowed.class);
    }

    @Test
    void a_batch_window_can_never_widen_a_preset_under_enforce() {
        var allDay = """
                {"start": "00:00", "end": "24:00", "purpose": "telemarketing"}""";
        var newYork = in("US-NY", "America/New_York");

        assertThat(check(allDay, newYork, Instant.parse("2027-01-15T12:30:00Z"))) // 07:30
                .isEqualTo(new DialVerdict.Held(HoldReason.OUTSIDE_WINDOW, Instant.parse("2027-01-15T13:00:00Z")));
        assertThat(check(allDay, newYork, Instant.parse("2027-01-16T02:30:00Z"))) // 21:30
                .isInstanceOf(DialVerdict.Held.class);
        assertThat(check(allDay, newYork, Instant.parse("2027-01-15T20:00:00Z"))) // 15:00
                .isInstanceOfSatisfying(
                        DialVerdict.Allowed.class,
                        allowed -> assertThat(allowed.policy()).contains("preset US telemarketing"));
        // France: lunch is closed and Saturday too, whatever the batch says.
        var paris = in("FR", "Europe/Paris");
        assertThat(check(allDay, paris, Instant.parse("2027-01-15T12:30:00Z"))) // Friday 13:30
                .isEqualTo(new DialVerdict.Held(HoldReason.OUTSIDE_WINDOW, Instant.parse("2027-01-15T13:00:00Z")));
        assertThat(check(allDay, paris, Instant.parse("2027-01-16T12:00:00Z"))) // Saturday
                .isEqualTo(new DialVerdict.Held(HoldReason.OUTSIDE_WINDOW, Instant.parse("2027-01-18T09:00:00Z")));
    }

    @Test
    void a_number_in_two_zones_is_held_until_both_are_in_the_window() {
        // +61 8 9123 4567 (an 08 landline) maps to Adelaide and Perth; 09:00 Perth is 01:00Z, 20:00 Adelaide 09:30Z.
        var zones = RULES.zones(
                Optional.of("+61891234567"), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
        assertThat(zones.zones()).containsExactly(ZoneId.of("Australia/Adelaide"), ZoneId.of("Australia/Perth"));

        var window = """
                {"start": "09:00", "end": "20:00"}""";
        assertThat(RULES.check(Optional.of(window), zones, Instant.parse("2027-01-15T00:00:00Z")))
                .isEqualTo(new DialVerdict.Held(HoldReason.OUTSIDE_WINDOW, Instant.parse("2027-01-15T01:00:00Z")));
        assertThat(RULES.check(Optional.of(window), zones, Instant.parse("2027-01-15T05:00:00Z")))
                .isInstanceOf(DialVerdict.Allowed.class);
        assertThat(RULES.check(Optional.of(window), zones, Instant.parse("2027-01-15T09:45:00Z")))
                .isInstanceOf(DialVerdict.Held.class);
    }
}
