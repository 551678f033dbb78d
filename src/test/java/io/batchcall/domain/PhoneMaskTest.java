package io.batchcall.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PhoneMaskTest {
    @Test
    void a_number_keeps_its_country_code_and_last_two_digits() {
        assertThat(PhoneMask.mask("+14155550199")).isEqualTo("+1********99");
        assertThat(PhoneMask.mask("+447700900123")).isEqualTo("+44********23");
        assertThat(PhoneMask.mask("+97150123456")).isEqualTo("+971******56");
    }

    @Test
    void numbers_inside_driver_and_sip_text_are_masked_and_nothing_else_is() {
        var text = "Detail: Key (phone_number)=(+14155550199) already exists. INVITE sip:+447700900123@10.0.0.1:5060"
                + " From: <sip:4155550100@trunk> at 2026-11-29T10:00:00Z attempt att_12345678 port 5060";

        assertThat(PhoneMask.maskWithin(text))
                .isEqualTo("Detail: Key (phone_number)=(+1********99) already exists."
                        + " INVITE sip:+44********23@10.0.0.1:5060 From: <sip:41******00@trunk> at 2026-11-29T10:00:00Z"
                        + " attempt att_12345678 port 5060");
    }
}
