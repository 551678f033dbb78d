package io.batchcall.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * {@link ValidNumbers} decides which submitted numbers are refused, so its answer must be libphonenumber's
 * {@code isValidNumber} for every number: the library is the oracle, asked about every region's example numbers,
 * variants of them that reach its corners (a digit changed, added or dropped; a prefix after the calling code), and
 * numbers made at random.
 */
class ValidNumbersTest {
    private static final PhoneNumberUtil PHONE_NUMBERS = PhoneNumberUtil.getInstance();

    @Example
    void every_answer_is_the_librarys_over_every_regions_example_numbers_and_their_variants() {
        var differing = new ArrayList<String>();
        int valid = 0;
        int invalid = 0;
        for (var text : NumberSamples.variantsOfEveryExample()) {
            // Both forms E164 validates: the parser's number and CanonicalNumbers' (the same, by its own test).
            for (var number : List.of(NumberSamples.parsed(text), CanonicalNumbers.parse(text))) {
                if (number.isEmpty()) {
                    continue;
                }
                boolean expected = PHONE_NUMBERS.isValidNumber(number.get());
                if (ValidNumbers.isValid(number.get()) != expected) {
                    differing.add(text + ": the library says " + expected);
                }
                if (expected) {
                    valid++;
                } else {
                    invalid++;
                }
            }
        }

        assertThat(differing).as("answers that are not the library's").isEmpty();
        // Both answers are given often enough that a wrong one would show.
        assertThat(valid).isGreaterThan(50_000);
        assertThat(invalid).isGreaterThan(50_000);
    }

    @Example
    void a_number_shared_by_several_regions_is_valid_by_the_region_it_belongs_to() {
        // +1: the United States (tried first, with no leading digits), Canada (found by its types after the
        // United States' fail), Antigua (its leading digits 268 name it, then its types decide).
        assertThat(valid("+14155550123")).isTrue();
        assertThat(valid("+16135550123")).as("Ottawa").isTrue();
        assertThat(valid("+12684601234")).as("Antigua").isTrue();
        assertThat(valid("+12680001234"))
                .as("Antigua's leading digits, no type of it")
                .isFalse();
        assertThat(valid("+19995550123")).as("no region has area code 999").isFalse();
        // +44: Guernsey's and the Isle of Man's numbers are not the United Kingdom's, and are valid.
        assertThat(valid("+447781123456")).as("Guernsey mobile").isTrue();
        assertThat(valid("+447624123456")).as("Isle of Man mobile").isTrue();
        assertThat(valid("+447911123456")).as("United Kingdom mobile").isTrue();
    }

    @Example
    void numbers_of_one_region_of_a_non_geographic_entity_or_of_no_region_get_the_librarys_answer() {
        assertThat(valid("+4930123456")).as("Berlin").isTrue();
        assertThat(valid("+4930")).as("shorter than any of Germany's numbers").isFalse();
        assertThat(valid("+80012345678")).as("international freephone").isTrue();
        var noRegion = new PhoneNumber().setCountryCode(999).setNationalNumber(123456789L);
        assertThat(ValidNumbers.isValid(noRegion))
                .isEqualTo(PHONE_NUMBERS.isValidNumber(noRegion))
                .isFalse();
        // An Italian number keeps the zero its number leads with; without it, it is another number.
        assertThat(valid("+390612345678")).isTrue();
        var withoutItsZero = new PhoneNumber().setCountryCode(39).setNationalNumber(612345678L);
        assertThat(ValidNumbers.isValid(withoutItsZero)).isEqualTo(PHONE_NUMBERS.isValidNumber(withoutItsZero));
    }

    @Property(tries = 5_000)
    void any_parsed_text_gets_the_librarys_answer(@ForAll("canonicalTexts") String text) {
        NumberSamples.parsed(text)
                .ifPresent(number -> assertThat(ValidNumbers.isValid(number))
                        .as(text)
                        .isEqualTo(PHONE_NUMBERS.isValidNumber(number)));
    }

    @Property(tries = 5_000)
    void any_number_gets_the_librarys_answer(@ForAll("numbers") PhoneNumber number) {
        assertThat(ValidNumbers.isValid(number)).as("%s", number).isEqualTo(PHONE_NUMBERS.isValidNumber(number));
    }

    @Provide
    Arbitrary<String> canonicalTexts() {
        return NumberSamples.canonicalTexts();
    }

    /**
     * Numbers as a caller could build them without the parser: any supported calling code (or one of none), up to
     * 17 digits, sometimes with leading zeros kept, as the parser keeps Italy's.
     */
    @Provide
    Arbitrary<PhoneNumber> numbers() {
        var callingCodes = Arbitraries.frequencyOf(
                Tuple.of(9, Arbitraries.of(List.copyOf(PHONE_NUMBERS.getSupportedCallingCodes()))),
                Tuple.of(1, Arbitraries.integers().between(0, 999)));
        var nationals = Arbitraries.integers()
                .between(1, 17)
                .flatMap(digits -> Arbitraries.longs().between(0, (long) Math.pow(10, digits) - 1));
        var leadingZeros = Arbitraries.integers().between(0, 2);
        return Combinators.combine(callingCodes, nationals, leadingZeros).as((code, national, zeros) -> {
            var number = new PhoneNumber().setCountryCode(code).setNationalNumber(national);
            if (zeros > 0) {
                number.setItalianLeadingZero(true).setNumberOfLeadingZeros(zeros);
            }
            return number;
        });
    }

    private static boolean valid(String text) {
        var number = NumberSamples.parsed(text).orElseThrow();
        boolean expected = PHONE_NUMBERS.isValidNumber(number);
        assertThat(ValidNumbers.isValid(number))
                .as("%s, the library's answer", text)
                .isEqualTo(expected);
        return expected;
    }
}
