package io.batchcall.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * A long list's numbers are checked in parallel: the answers must be those of checking them one by one. A number
 * with an extension is no number to dial (E.164 has no extension: the main line would be called), but names its
 * main line where a number is only matched (opt-outs, suppressions).
 */
class E164Test {
    @Example
    void a_number_with_an_extension_is_refused_for_dialing_and_matched_as_its_main_line() {
        for (var text : List.of("+1 415 555 0123 ext. 5", "+14155550123;ext=77", "+1 415 555 0123 x99")) {
            assertThat(E164.normalise(text)).as(text).isEmpty();
            assertThat(E164.normaliseIgnoringExtension(text)).as(text).contains("+14155550123");
        }
        assertThat(E164.normalise("+1 (415) 555-0123")).contains("+14155550123");
    }

    @Property(tries = 20)
    void a_long_list_normalises_to_exactly_what_each_number_normalises_to_alone(
            @ForAll("phoneTexts") List<String> texts) {
        var expected = new ArrayList<Optional<String>>();
        for (var text : texts) {
            expected.add(text == null ? Optional.empty() : E164.normalise(text));
        }

        assertThat(E164.normaliseAll(texts)).containsExactlyElementsOf(expected);
    }

    @Property(tries = 50)
    void a_short_list_gives_the_same_answers_as_one_by_one(@ForAll("shortPhoneTexts") List<String> texts) {
        assertThat(E164.normaliseAll(texts))
                .containsExactlyElementsOf(texts.stream()
                        .map(text -> text == null ? Optional.<String>empty() : E164.normalise(text))
                        .toList());
    }

    @Provide
    Arbitrary<List<String>> phoneTexts() {
        return phoneText().list().ofMinSize(InOrder.PARALLEL_FROM).ofMaxSize(InOrder.PARALLEL_FROM + 500);
    }

    @Provide
    Arbitrary<List<String>> shortPhoneTexts() {
        return phoneText().list().ofMaxSize(20);
    }

    /** Valid and invalid numbers of many countries and shapes, formatted or not, and a few that are no number. */
    private static Arbitrary<String> phoneText() {
        var countryCodes = Arbitraries.of("1", "44", "49", "33", "91", "61", "81", "86", "39", "7", "55", "800", "0");
        var digits = Arbitraries.strings().numeric().ofMinLength(0).ofMaxLength(14);
        var international =
                net.jqwik.api.Combinators.combine(countryCodes, digits).as((cc, rest) -> "+" + cc + rest);
        var formatted = international.map(text -> text.length() > 6
                ? text.substring(0, 3) + " (" + text.substring(3, 6) + ") " + text.substring(6)
                : text);
        var valid = Arbitraries.integers().between(0, 9_999).map(n -> "+1415555" + String.format("%04d", n));
        return Arbitraries.oneOf(
                valid, international, formatted, Arbitraries.strings().ofMaxLength(12), Arbitraries.just((String)
                        null));
    }
}
