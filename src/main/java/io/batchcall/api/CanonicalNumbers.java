package io.batchcall.api;

import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonemetadata.PhoneMetadata;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import com.google.i18n.phonenumbers.metadata.DefaultMetadataDependenciesProvider;
import com.google.i18n.phonenumbers.metadata.source.MetadataSource;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * What libphonenumber's {@code parse(text, "ZZ")} returns for text already in E.164's form ({@code +} and 7 to 15
 * digits), computed without its parser. Most numbers submitted are in that form, and the parser's general
 * machinery (finding the number in free text, the extension patterns, the international prefixes) was most of
 * validating one: validation was half the JVM's CPU in a 10,000-recipient submit, and this takes about three
 * quarters off it (docs/performance.md, *Submit, profiled*).
 *
 * <p>For such text, parse only splits off the country calling code (the shortest of its first one to three
 * digits that is one) and may then strip a national prefix from the rest. This class answers only where that
 * stripping cannot happen: where the region's national-prefix pattern does not match at the start of the rest. It
 * also leaves alone a rest beginning with 0, which parse keeps as an "Italian leading zero" that a {@code long}
 * loses. Any other text is not answered, and {@link E164} parses it as before. {@code CanonicalNumbersTest}
 * checks, over every region's example numbers and their variants, that each answer is exactly the parser's.
 */
final class CanonicalNumbers {
    private static final PhoneNumberUtil PHONE_NUMBERS = PhoneNumberUtil.getInstance();
    /**
     * The metadata files the default {@link PhoneNumberUtil} instance reads (its own copy, from the same files and
     * loader), so the same national-prefix patterns.
     */
    private static final MetadataSource METADATA =
            DefaultMetadataDependenciesProvider.getInstance().getPhoneNumberMetadataSource();

    private static final Set<Integer> CALLING_CODES = PHONE_NUMBERS.getSupportedCallingCodes();
    /**
     * By calling code, where parse would try to strip a national prefix: its metadata's pattern, filled on first
     * use. Where there is no prefix, one that never matches; where there is no metadata, one that always does.
     */
    private static final Map<Integer, Pattern> NATIONAL_PREFIXES = new ConcurrentHashMap<>();

    private static final Pattern NEVER = Pattern.compile("(?!)");
    private static final Pattern ALWAYS = Pattern.compile("");

    /**
     * A choice, not a bound of the parser's: the shortest numbers in use have about 7 digits with their calling
     * code, and shorter text is left to the parser.
     */
    private static final int MIN_DIGITS = 7;
    /** E.164's longest number; beyond it the parser refuses or accepts by lengths this class does not check. */
    private static final int MAX_DIGITS = 15;

    private static final int MAX_CALLING_CODE_DIGITS = 3;

    private CanonicalNumbers() {}

    /** The number parse would return, or empty when the text is not canonical or this class cannot be sure. */
    static Optional<PhoneNumber> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        int length = text.length();
        if (length < 1 + MIN_DIGITS || length > 1 + MAX_DIGITS || text.charAt(0) != '+' || !digitsFrom(text, 1)) {
            return Optional.empty();
        }
        // The shortest of the first one, two or three digits that is a calling code, as the parser takes. None
        // starts with 0: the parser refuses such text, where "041" read as a number would be Switzerland's 41.
        if (text.charAt(1) == '0') {
            return Optional.empty();
        }
        int nationalStart = 0;
        int callingCode = 0;
        for (int end = 2; end <= 1 + MAX_CALLING_CODE_DIGITS && callingCode == 0; end++) {
            int candidate = Integer.parseInt(text, 1, end, 10);
            if (CALLING_CODES.contains(candidate)) {
                callingCode = candidate;
                nationalStart = end;
            }
        }
        if (callingCode == 0 || text.charAt(nationalStart) == '0') {
            return Optional.empty();
        }
        var nationalPrefix = NATIONAL_PREFIXES.computeIfAbsent(callingCode, CanonicalNumbers::nationalPrefix);
        if (nationalPrefix.matcher(text).region(nationalStart, length).lookingAt()) {
            return Optional.empty();
        }
        return Optional.of(new PhoneNumber()
                .setCountryCode(callingCode)
                .setNationalNumber(Long.parseLong(text, nationalStart, length, 10)));
    }

    private static boolean digitsFrom(String text, int start) {
        for (int i = start; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /**
     * The pattern parse tries at the start of the national number, from the metadata it uses for the calling code
     * (its main region's, or the non-geographic entity's, as for +800).
     */
    private static Pattern nationalPrefix(int callingCode) {
        var region = PHONE_NUMBERS.getRegionCodeForCountryCode(callingCode);
        PhoneMetadata metadata = PhoneNumberUtil.REGION_CODE_FOR_NON_GEO_ENTITY.equals(region)
                ? METADATA.getMetadataForNonGeographicalRegion(callingCode)
                : METADATA.getMetadataForRegion(region);
        if (metadata == null) {
            return ALWAYS;
        }
        var pattern = metadata.getNationalPrefixForParsing();
        return pattern.isEmpty() ? NEVER : Pattern.compile(pattern);
    }
}
