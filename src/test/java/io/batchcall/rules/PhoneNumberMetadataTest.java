package io.batchcall.rules;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.i18n.phonenumbers.PhoneNumberToTimeZonesMapper;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import java.util.ArrayList;
import org.junit.jupiter.api.Test;

/**
 * The geocoder (3.23) was built against libphonenumber 9.0.23 and runs against our 9.0.43: one example number per
 * supported country must still parse, be valid, and map to at least one real zone, so a metadata mismatch after an
 * upgrade fails here rather than in a claim.
 */
class PhoneNumberMetadataTest {
    @Test
    void an_example_number_of_every_supported_country_parses_and_has_a_zone() throws Exception {
        var util = PhoneNumberUtil.getInstance();
        var mapper = PhoneNumberToTimeZonesMapper.getInstance();
        var problems = new ArrayList<String>();
        var regions = util.getSupportedRegions();
        for (var region : regions) {
            var example = util.getExampleNumber(region);
            if (example == null) {
                continue;
            }
            var e164 = util.format(example, PhoneNumberUtil.PhoneNumberFormat.E164);
            var parsed = util.parse(e164, null);
            if (!util.isValidNumber(parsed)) {
                problems.add(region + " " + e164 + " invalid");
            } else if (NumberZones.distinct(mapper.getTimeZonesForNumber(parsed))
                    .isEmpty()) {
                problems.add(region + " " + e164 + " has no zone: " + mapper.getTimeZonesForNumber(parsed));
            }
        }
        assertThat(regions).hasSizeGreaterThan(200);
        assertThat(problems).isEmpty();
    }
}
