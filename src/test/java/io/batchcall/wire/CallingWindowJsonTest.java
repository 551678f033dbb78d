package io.batchcall.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.CallingWindow;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import org.junit.jupiter.api.Test;

class CallingWindowJsonTest {
    private static CallingWindowJson.Parsed parse(String json) throws Exception {
        return CallingWindowJson.parse(WireJson.MAPPER.readTree(json));
    }

    @Test
    void the_simple_form_is_stored_as_hours_and_reads_back_the_same() throws Exception {
        var parsed = parse("""
                {"days": ["mon","sat"], "start": "09:00", "end": "24:00", "holidays": {"country": "us", "subdivision": "us-ca"},
                 "blackout_dates": [{"name": "Shutdown", "from": "2026-12-24"}], "purpose": "survey"}""");

        var window = ((CallingWindowJson.Parsed.Valid) parsed).window();
        assertThat(window.hours().keySet()).containsExactly(DayOfWeek.MONDAY, DayOfWeek.SATURDAY);
        assertThat(window.hours().get(DayOfWeek.SATURDAY).getFirst().endsAtMidnight())
                .isTrue();
        var json = CallingWindowJson.write(window);
        assertThat(json)
                .contains("\"hours\":{\"mon\":[[\"09:00\",\"24:00\"]],\"sat\":[[\"09:00\",\"24:00\"]]}")
                .contains("\"holidays\":{\"country\":\"US\",\"subdivision\":\"US-CA\"}")
                .contains("{\"name\":\"Shutdown\",\"from\":\"2026-12-24\",\"to\":\"2026-12-24\"}")
                .contains("\"unknown_timezone\":\"hold\",\"jurisdiction_rules\":\"enforce\"");
        assertThat(CallingWindowJson.read(json)).isEqualTo(window);
    }

    @Test
    void settling_fills_the_min_slot_from_the_ringing_timeout_and_takes_the_workspaces_rules() throws Exception {
        var window = ((CallingWindowJson.Parsed.Valid) parse("""
                        {"start": "09:00", "end": "17:00", "jurisdiction_rules": "off"}""")).window();

        var settled =
                CallingWindowJson.read(CallingWindowJson.settle(window, 45, CallingWindow.JurisdictionRules.ENFORCE));

        assertThat(settled.minSlot()).contains(Duration.ofSeconds(75));
        assertThat(settled.jurisdictionRules()).isEqualTo(CallingWindow.JurisdictionRules.ENFORCE);
        assertThat(settled.hours().get(DayOfWeek.SUNDAY).getFirst().start()).isEqualTo(LocalTime.of(9, 0));
    }

    @Test
    void overlapping_ranges_both_forms_at_once_and_unknown_keys_are_refused() throws Exception {
        var invalid = (CallingWindowJson.Parsed.Invalid) parse("""
                {"hours": {"mon": [["09:00","13:00"],["12:00","20:00"]]}, "start": "09:00", "colour": "red"}""");

        assertThat(invalid.problems().stream().map(p -> p.loc().toString()))
                .containsExactlyInAnyOrder("[hours]", "[colour]");
        var overlap = (CallingWindowJson.Parsed.Invalid) parse("""
                {"hours": {"mon": [["09:00","13:00"],["12:00","20:00"]]}}""");
        assertThat(overlap.problems().getFirst().msg()).contains("overlap");
        assertThat(parse("{}")).isInstanceOf(CallingWindowJson.Parsed.Invalid.class);
    }
}
