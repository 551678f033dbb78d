package io.batchcall.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class IdSourceTest {
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

    @Test
    void an_id_is_the_prefix_an_underscore_and_28_lowercase_letters_or_digits() {
        var id = new IdSource(new Random(1)).next("rcp");

        assertThat(id).matches("rcp_[a-z0-9]{28}");
    }

    @Test
    void every_character_of_the_alphabet_is_drawn_about_equally_often_with_no_bias_to_the_first_ones() {
        var ids = new IdSource(new Random(2));
        var counts = new int[ALPHABET.length()];
        int texts = 40_000;
        for (int i = 0; i < texts; i++) {
            for (char c : ids.randomText(28, ALPHABET.toCharArray()).toCharArray()) {
                counts[ALPHABET.indexOf(c)]++;
            }
        }

        // 31,111 expected each; folding bytes modulo 36 would give the first four about 14 % more.
        double expected = texts * 28.0 / ALPHABET.length();
        for (int i = 0; i < counts.length; i++) {
            assertThat(counts[i] / expected)
                    .as("share of '%s'", ALPHABET.charAt(i))
                    .isBetween(0.97, 1.03);
        }
    }

    @Test
    void distinct_draws_give_distinct_ids() {
        var ids = IdSource.secure();

        assertThat(ids.next("btcal")).isNotEqualTo(ids.next("btcal"));
    }
}
