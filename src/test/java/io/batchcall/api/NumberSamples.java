package io.batchcall.api;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Numbers that reach libphonenumber's corners, for the tests of the classes that stand in for parts of it
 * ({@link CanonicalNumbers}, {@link ValidNumbers}): the library is their oracle, and these are what it is asked.
 */
final class NumberSamples {
    private static final PhoneNumberUtil PHONE_NUMBERS = PhoneNumberUtil.getInstance();

    private NumberSamples() {}

    /** The parser's answer for international text, as {@link E164} asks it. */
    static Optional<PhoneNumber> parsed(String text) {
        try {
            return Optional.of(PHONE_NUMBERS.parse(text, "ZZ"));
        } catch (NumberParseException e) {
            return Optional.empty();
        }
    }

    /** Every example number's {@link #variants}, each once, in a stable order. */
    static Set<String> variantsOfEveryExample() {
        var texts = new LinkedHashSet<String>();
        for (var example : exampleNumbers()) {
            texts.addAll(variants(example));
        }
        return texts;
    }

    /** {@code +} and digits: mostly a supported calling code and 3 to 14 digits, sometimes any 1 to 17 digits. */
    static Arbitrary<String> canonicalTexts() {
        var callingCodes = Arbitraries.of(List.copyOf(PHONE_NUMBERS.getSupportedCallingCodes()));
        var digits = Arbitraries.strings().numeric().ofMinLength(3).ofMaxLength(14);
        var afterCallingCode = Combinators.combine(callingCodes, digits).as((code, rest) -> "+" + code + rest);
        var anyDigits =
                Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(17).map(rest -> "+" + rest);
        return Arbitraries.frequencyOf(Tuple.of(4, afterCallingCode), Tuple.of(1, anyDigits));
    }

    /** Every type's example number of every region and of every non-geographic entity (as +800). */
    static List<PhoneNumber> exampleNumbers() {
        var numbers = new ArrayList<PhoneNumber>();
        for (var region : PHONE_NUMBERS.getSupportedRegions()) {
            for (var type : PHONE_NUMBERS.getSupportedTypesForRegion(region)) {
                Optional.ofNullable(PHONE_NUMBERS.getExampleNumberForType(region, type))
                        .ifPresent(numbers::add);
            }
        }
        for (var code : PHONE_NUMBERS.getSupportedGlobalNetworkCallingCodes()) {
            Optional.ofNullable(PHONE_NUMBERS.getExampleNumberForNonGeoEntity(code))
                    .ifPresent(numbers::add);
        }
        return numbers;
    }

    /**
     * The number as E.164 text, and texts near it: a 0 before its country code; each of its regions' national
     * prefixes (and every one or two digits) put after the country code; each digit changed to every other; one to
     * three digits dropped or added at the end.
     */
    static Set<String> variants(PhoneNumber number) {
        var code = "+" + number.getCountryCode();
        var national = PHONE_NUMBERS.getNationalSignificantNumber(number);
        var texts = new LinkedHashSet<String>();
        texts.add(code + national);
        texts.add("+0" + number.getCountryCode() + national);
        for (var region : PHONE_NUMBERS.getRegionCodesForCountryCode(number.getCountryCode())) {
            // A non-geographic entity (region 001) has none; asking logs a warning.
            if (region.equals(PhoneNumberUtil.REGION_CODE_FOR_NON_GEO_ENTITY)) {
                continue;
            }
            Optional.ofNullable(PHONE_NUMBERS.getNddPrefixForRegion(region, true))
                    .ifPresent(prefix -> texts.add(code + prefix + national));
        }
        for (int prefix = 0; prefix < 100; prefix++) {
            texts.add(code + prefix + national);
            if (prefix < 10) {
                texts.add(code + "0" + prefix + national);
            }
        }
        for (int i = 0; i < national.length(); i++) {
            for (char digit = '0'; digit <= '9'; digit++) {
                texts.add(code + national.substring(0, i) + digit + national.substring(i + 1));
            }
        }
        for (int n = 1; n <= 3; n++) {
            if (national.length() > n) {
                texts.add(code + national.substring(0, national.length() - n));
            }
            texts.add(code + national + "5".repeat(n));
        }
        return texts;
    }
}
