package io.batchcall.domain;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.MutableClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
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

    @Test
    void ids_made_one_after_another_sort_in_the_order_they_were_made_even_while_the_clock_stands_still_or_steps_back() {
        var clock = new MutableClock(Instant.parse("2026-12-04T12:00:00Z"));
        var ids = new IdSource(new Random(3), clock);
        var made = new ArrayList<String>();
        for (int i = 0; i < 3_000; i++) {
            made.add(ids.next("rcp"));
            if (i == 1_000) {
                clock.set(clock.instant().minus(Duration.ofMinutes(5)));
            }
            if (i == 2_000) {
                clock.advance(Duration.ofHours(1));
            }
        }

        // Code point order is the database's (EmbeddedPostgresServer.withCodePointOrder).
        assertThat(made)
                .isSortedAccordingTo(Comparator.naturalOrder())
                .doesNotHaveDuplicates()
                .allMatch(id -> id.matches("rcp_[a-z0-9]{28}"));
    }

    @Test
    void an_id_begins_with_when_it_was_made_so_that_one_made_at_a_later_instant_sorts_after() {
        var earlier = new IdSource(new Random(4), Clock.fixed(Instant.parse("2026-12-04T12:00:00Z"), ZoneOffset.UTC));
        var later =
                new IdSource(new Random(5), Clock.fixed(Instant.parse("2026-12-04T12:00:00.000001Z"), ZoneOffset.UTC));

        var first = earlier.next("conv");
        var second = later.next("conv");

        assertThat(second).isGreaterThan(first);
        // The time part is the instant's microseconds since 1970 in base 36, 11 characters.
        assertThat(Long.parseLong(timePart(first, "conv"), 36))
                .isEqualTo(Instant.parse("2026-12-04T12:00:00Z").toEpochMilli() * 1_000);
        // The same instant gives the same time part, whatever the random characters that follow.
        assertThat(timePart(
                        new IdSource(new Random(6), Clock.fixed(Instant.parse("2026-12-04T12:00:00Z"), ZoneOffset.UTC))
                                .next("conv"),
                        "conv"))
                .isEqualTo(timePart(first, "conv"));
    }

    @Test
    void ids_made_in_the_same_microsecond_differ_in_their_random_characters_alone_not_in_a_count() {
        var instant = Instant.parse("2026-12-04T12:00:00Z");
        var first = new IdSource(new Random(7), Clock.fixed(instant, ZoneOffset.UTC)).next("evt");
        var second = new IdSource(new Random(8), Clock.fixed(instant, ZoneOffset.UTC)).next("evt");

        // Two processes share no counter: only the random part keeps their ids apart, and knowing one id tells
        // nothing about the next one's 17 random characters.
        assertThat(timePart(first, "evt")).isEqualTo(timePart(second, "evt"));
        assertThat(randomPart(first, "evt")).hasSize(17).isNotEqualTo(randomPart(second, "evt"));
    }

    @Test
    void threads_making_ids_at_once_on_a_clock_that_stands_still_never_share_a_time_part() throws Exception {
        var ids = new IdSource(new Random(9), Clock.fixed(Instant.parse("2026-12-04T12:00:00Z"), ZoneOffset.UTC));
        int threads = 8;
        int each = 2_000;
        var start = new CountDownLatch(1);
        var made = new ConcurrentLinkedQueue<String>();
        try (var pool = Executors.newFixedThreadPool(threads)) {
            for (int t = 0; t < threads; t++) {
                pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < each; i++) {
                        made.add(timePart(ids.next("att"), "att"));
                    }
                    return null;
                });
            }
            start.countDown();
        }

        assertThat(made).hasSize(threads * each).doesNotHaveDuplicates();
    }

    private static String timePart(String id, String prefix) {
        return id.substring(prefix.length() + 1, prefix.length() + 1 + 11);
    }

    private static String randomPart(String id, String prefix) {
        return id.substring(prefix.length() + 1 + 11);
    }
}
