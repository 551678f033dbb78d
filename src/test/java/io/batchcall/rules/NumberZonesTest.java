package io.batchcall.rules;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.RecipientZones;
import io.batchcall.domain.RecipientZones.Source;
import java.time.ZoneId;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NumberZonesTest {
    private static final CallingWindowRules RULES = new CallingWindowRules(new JollydayHolidays());

    private static RecipientZones zones(String number, String recipientZone, String variableZone, String batchZone) {
        return RULES.zones(
                Optional.ofNullable(number),
                Optional.ofNullable(recipientZone),
                Optional.empty(),
                Optional.ofNullable(variableZone),
                Optional.ofNullable(batchZone));
    }

    @Test
    void a_split_area_code_is_resolved_per_exchange_with_real_exchanges() {
        // 270-442 is Paducah, KY (Central time); most of 270 is Eastern. 850-432 is Pensacola, FL (Central).
        var paducah = zones("+12704424567", null, null, "Europe/Berlin");
        assertThat(paducah.zones()).containsExactly(ZoneId.of("America/Chicago"));
        assertThat(paducah.source()).contains(Source.NUMBER);
        assertThat(paducah.region()).contains("US-KY");
        assertThat(zones("+18504324567", null, null, null).region()).contains("US-FL");
        assertThat(zones("+18504324567", null, null, null).zones()).containsExactly(ZoneId.of("America/Chicago"));
    }

    @Test
    void the_recipients_zone_wins_then_its_variable_then_its_number_then_the_batch() {
        assertThat(zones("+12704424567", "Asia/Tokyo", "Europe/Paris", "Europe/Berlin")
                        .zones())
                .containsExactly(ZoneId.of("Asia/Tokyo"));
        var variable = zones("+12704424567", null, "Europe/Paris", "Europe/Berlin");
        assertThat(variable.zones()).containsExactly(ZoneId.of("Europe/Paris"));
        assertThat(variable.source()).contains(Source.VARIABLE);
        // The region still comes from the number when none is given: it picks the presets.
        assertThat(variable.region()).contains("US-KY");
    }

    @Test
    void a_toll_free_or_invalid_number_has_no_zone_of_its_own() {
        var tollFree = zones("+18005550123", null, null, "America/Denver");
        assertThat(tollFree.zones()).containsExactly(ZoneId.of("America/Denver"));
        assertThat(tollFree.source()).contains(Source.BATCH);
        // The drama range 07700 900xxx is invalid: libphonenumber says Etc/Unknown, which is no zone.
        assertThat(zones("+447700900123", null, null, null).zones()).isEmpty();
        assertThat(zones("+447700900123", null, null, null).source()).isEmpty();
    }

    @Test
    void the_override_table_corrects_representative_zones() {
        assertThat(zones("+74012123456", null, null, null).zones()).containsExactly(ZoneId.of("Europe/Kaliningrad"));
        assertThat(zones("+6281234567890", null, null, null).zones())
                .containsExactly(ZoneId.of("Asia/Jakarta"), ZoneId.of("Asia/Makassar"), ZoneId.of("Asia/Jayapura"));
    }

    @Test
    void zones_with_the_same_rules_count_once() {
        // A UK mobile maps to London, Guernsey, Isle of Man and Jersey: one set of rules.
        assertThat(zones("+447400123456", null, null, null).zones()).hasSize(1);
    }
}
