package io.batchcall.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ApiKeySecretTest {

    @Test
    void generated_keys_are_long_random_and_distinct() {
        var ids = IdSource.secure();
        var seen = new HashSet<String>();
        for (int i = 0; i < 1000; i++) {
            var key = ApiKeySecret.generate(ids);
            assertThat(key.value()).matches("bc_[A-Za-z0-9]{40}");
            seen.add(key.value());
        }
        assertThat(seen).hasSize(1000);
    }

    @Test
    void the_hash_is_stable_and_differs_between_keys() {
        var a = new ApiKeySecret("bc_aaaaaaaaaaaaaaaaaaaaaaaa");
        var b = new ApiKeySecret("bc_aaaaaaaaaaaaaaaaaaaaaaab");

        assertThat(a.hash())
                .hasSize(32)
                .isEqualTo(new ApiKeySecret(a.value()).hash())
                .isNotEqualTo(b.hash());
    }

    @Test
    void only_a_short_prefix_is_visible_and_to_string_hides_the_rest() {
        var key = ApiKeySecret.generate(new IdSource(new Random(1)));

        assertThat(key.visiblePrefix()).hasSize(8).isEqualTo(key.value().substring(0, 8));
        assertThat(key.toString()).doesNotContain(key.value());
    }

    @Test
    void ids_carry_their_type_prefix_and_28_random_characters() {
        assertThat(IdSource.secure().next("btcal")).matches("btcal_[a-z0-9]{28}");
    }
}
