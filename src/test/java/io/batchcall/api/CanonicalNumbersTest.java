package io.batchcall.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * {@link CanonicalNumbers} stands in for libphonenumber's parser on E.164 text, so every answer it gives must be
 * exactly the parser's, and it must answer the numbers people submit (or it saves nothing). The parser is the
 * oracle here: each region's example numbers, and variants of them that reach the parser's corners (a national
 * prefix after the country code, a leading zero, a digit changed, added or dropped).
 */
class CanonicalNumbersTest {
    private static final PhoneNumberUtil PHONE_NUMBERS = PhoneNumberUtil.getInstance();

    @Example
    void every_answer_is_the_parsers_own_over_every_regions_example_numbers_and_their_variants() {
        var texts = NumberSamples.variantsOfEveryExample();
        var differing = new ArrayList<String>();
        int answered = 0;
        for (var text : texts) {
            var answer = CanonicalNumbers.parse(text);
            if (answer.isPresent()) {
                answered++;
                var parsed = NumberSamples.parsed(text);
                if (parsed.isEmpty() || !parsed.get().exactlySameAs(answer.get())) {
                    differing.add(text + ": " + answer.get() + " but the parser says " + parsed);
                }
            }
        }

        assertThat(differing).as("answers that are not the parser's").isEmpty();
        // Enough variants are answered that a wrong answer among them would show.
        assertThat(answered).as("of %d texts", texts.size()).isGreaterThan(texts.size() / 2);
    }

    @Example
    void nearly_every_valid_example_number_is_answered_without_the_parser() {
        var examples = NumberSamples.exampleNumbers();
        var notAnswered = examples.stream()
                .map(number -> PHONE_NUMBERS.format(number, PhoneNumberUtil.PhoneNumberFormat.E164))
                .filter(text -> CanonicalNumbers.parse(text).isEmpty())
                .toList();

        // Left to the parser (36 of 1,138 with libphonenumber 9.0.43): Argentina's (its national-prefix pattern
        // matches the empty text, so it matches everywhere), those that begin with their region's national prefix
        // (Russia's and Kazakhstan's 8 00...), those with a leading zero (Italy, Côte d'Ivoire, Gabon...), and
        // the few shorter than 7 digits.
        assertThat(notAnswered.size())
                .as("%s of %d", notAnswered, examples.size())
                .isLessThan(examples.size() / 20);
    }

    @Example
    void the_numbers_the_parser_would_change_or_keep_a_zero_of_are_left_to_it() {
        // A national prefix after the country code: the parser strips it and the number is valid. Australia's
        // pattern, (183[12])|0, is more than a digit.
        for (var stripped : List.of(
                List.of("+114155550123", "+14155550123"),
                List.of("+789123456789", "+79123456789"),
                List.of("+611831412345678", "+61412345678"),
                List.of("+4407911123456", "+447911123456"))) {
            assertThat(CanonicalNumbers.parse(stripped.get(0)))
                    .as(stripped.get(0))
                    .isEmpty();
            assertThat(E164.normalise(stripped.get(0))).contains(stripped.get(1));
        }
        // An Italian number keeps its leading zero, which a long does not.
        assertThat(CanonicalNumbers.parse("+390612345678")).isEmpty();
        assertThat(E164.normalise("+390612345678")).contains("+390612345678");
        // Not E.164's form, not a calling code, or longer than E.164's 15 digits (the parser takes a national
        // number up to 17 digits, then refuses).
        for (var text : List.of(
                "+1 415 555 0123",
                "14155550123",
                "+0415550123",
                "+14155550123x5",
                "+999123456",
                "+4930123456789012",
                "+49301234567890123456")) {
            assertThat(CanonicalNumbers.parse(text)).as(text).isEmpty();
        }
        assertThat(CanonicalNumbers.parse(null)).isEmpty();
        assertThat(E164.normalise(null)).isEmpty();
    }

    @Example
    void the_answers_for_common_numbers_are_their_own_digits() {
        assertThat(CanonicalNumbers.parse("+14155550123"))
                .hasValueSatisfying(number -> assertThat(number.exactlySameAs(
                                new PhoneNumber().setCountryCode(1).setNationalNumber(4155550123L)))
                        .isTrue());
        assertThat(E164.normalise("+14155550123")).contains("+14155550123");
        // Answered is not valid: validation comes after, as it did after the parser.
        assertThat(CanonicalNumbers.parse("+19995550123")).isPresent();
        assertThat(E164.normalise("+19995550123")).as("no area code 999").isEmpty();
    }

    @Property(tries = 3_000)
    void any_digits_after_a_calling_code_get_the_parsers_answer(@ForAll("canonicalTexts") String text) {
        var answer = CanonicalNumbers.parse(text);
        var parsed = NumberSamples.parsed(text);

        answer.ifPresent(number -> assertThat(parsed)
                .as(text)
                .hasValueSatisfying(
                        expected -> assertThat(expected.exactlySameAs(number)).isTrue()));
    }

    @Provide
    Arbitrary<String> canonicalTexts() {
        return NumberSamples.canonicalTexts();
    }
}
