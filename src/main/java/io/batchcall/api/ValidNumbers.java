package io.batchcall.api;

import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonemetadata.PhoneMetadata;
import com.google.i18n.phonenumbers.Phonemetadata.PhoneNumberDesc;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import com.google.i18n.phonenumbers.metadata.DefaultMetadataDependenciesProvider;
import com.google.i18n.phonenumbers.metadata.source.MetadataSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * libphonenumber's {@code isValidNumber}, with the same answer for every number, in less of the submit's CPU. After
 * {@link CanonicalNumbers} took the parse off it, validation was about a third of the server's samples in a
 * 10,000-recipient submit (docs/performance.md, *Submit, profiled*), for three reasons this class removes:
 *
 * <ul>
 *   <li>Where a calling code has several regions (+1 has 25), the library finds the number's region by typing the
 *       number against each region's patterns, then types it again against the region it found to say whether it is
 *       valid. The second answer is the first one: a region found by its type is valid.
 *   <li>Typing tries eight rare types (premium rate, toll free, shared cost, VoIP, personal, pager, UAN, voicemail)
 *       before fixed line and mobile, because it must tell which one the number is. Validity asks only whether any
 *       matches, so fixed line and mobile, what people are called on, are tried first.
 *   <li>Every pattern is looked up by its text in the library's regular-expression cache, one lock shared by every
 *       thread validating a list in parallel ({@link InOrder}); here each region's patterns are compiled once and
 *       held with it.
 * </ul>
 *
 * <p>A number is valid when its region's general pattern and at least one type's pattern match its national
 * significant number in full. The library first compares the number's length with each pattern's possible lengths,
 * and so does this class; the metadata's lengths are those its patterns allow, so that only saves matching. Where
 * the metadata this class reads is missing, it asks the library instead. {@code ValidNumbersTest} compares every
 * answer with the library's over every region's example numbers and variants of them.
 */
final class ValidNumbers {
    private static final PhoneNumberUtil PHONE_NUMBERS = PhoneNumberUtil.getInstance();
    /** The metadata files the library's default instance reads, as {@link CanonicalNumbers} reads them. */
    private static final MetadataSource METADATA =
            DefaultMetadataDependenciesProvider.getInstance().getPhoneNumberMetadataSource();

    /** By calling code, its regions' patterns in the library's order; filled on first use. */
    private static final Map<Integer, Optional<List<Region>>> CALLING_CODES = new ConcurrentHashMap<>();

    private ValidNumbers() {}

    /** What {@link PhoneNumberUtil#isValidNumber} answers for the number. */
    static boolean isValid(PhoneNumber number) {
        var regions = CALLING_CODES.computeIfAbsent(number.getCountryCode(), ValidNumbers::regions);
        if (regions.isEmpty()) {
            return PHONE_NUMBERS.isValidNumber(number);
        }
        var national = PHONE_NUMBERS.getNationalSignificantNumber(number);
        var list = regions.get();
        if (list.size() == 1) {
            return list.get(0).hasAType(national);
        }
        // The library's region for the number: the first whose leading digits begin it or, for a region without
        // leading digits, whose types include it. Then it is valid when that region's types include it.
        for (var region : list) {
            if (region.leadingDigits() != null) {
                if (region.leadingDigits().matcher(national).lookingAt()) {
                    return region.hasAType(national);
                }
            } else if (region.hasAType(national)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The patterns of a calling code's regions, or empty when the library knows no region for it or its metadata
     * is missing (the library's own answer is then taken).
     */
    private static Optional<List<Region>> regions(int callingCode) {
        var codes = PHONE_NUMBERS.getRegionCodesForCountryCode(callingCode);
        if (codes.isEmpty()) {
            return Optional.empty();
        }
        var regions = new ArrayList<Region>();
        for (var code : codes) {
            PhoneMetadata metadata = PhoneNumberUtil.REGION_CODE_FOR_NON_GEO_ENTITY.equals(code)
                    ? METADATA.getMetadataForNonGeographicalRegion(callingCode)
                    : METADATA.getMetadataForRegion(code);
            if (metadata == null) {
                return Optional.empty();
            }
            regions.add(Region.of(metadata));
        }
        return Optional.of(List.copyOf(regions));
    }

    /**
     * One region's patterns: its leading digits (null where it has none), its general description, and its types'
     * descriptions, fixed line and mobile first. Mobile is left out where the metadata says its pattern is fixed
     * line's, as the library does not try it then.
     */
    private record Region(Pattern leadingDigits, Description general, List<Description> types) {
        static Region of(PhoneMetadata metadata) {
            var types = new ArrayList<Description>();
            types.add(Description.of(metadata.getFixedLine()));
            if (!metadata.getSameMobileAndFixedLinePattern()) {
                types.add(Description.of(metadata.getMobile()));
            }
            for (var rare : List.of(
                    metadata.getPremiumRate(),
                    metadata.getTollFree(),
                    metadata.getSharedCost(),
                    metadata.getVoip(),
                    metadata.getPersonalNumber(),
                    metadata.getPager(),
                    metadata.getUan(),
                    metadata.getVoicemail())) {
                types.add(Description.of(rare));
            }
            var leadingDigits = metadata.hasLeadingDigits() ? Pattern.compile(metadata.getLeadingDigits()) : null;
            return new Region(leadingDigits, Description.of(metadata.getGeneralDesc()), List.copyOf(types));
        }

        boolean hasAType(String national) {
            if (!general.matches(national)) {
                return false;
            }
            for (var type : types) {
                if (type.matches(national)) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * A number description's pattern (null where it has none, which matches nothing) and its possible lengths (empty
     * where it lists none, which allows any).
     */
    private record Description(Pattern pattern, List<Integer> possibleLengths) {
        static Description of(PhoneNumberDesc description) {
            var text = description.getNationalNumberPattern();
            return new Description(
                    text.isEmpty() ? null : Pattern.compile(text), List.copyOf(description.getPossibleLengthList()));
        }

        boolean matches(String national) {
            if (!possibleLengths.isEmpty() && !possibleLengths.contains(national.length())) {
                return false;
            }
            return pattern != null && pattern.matcher(national).matches();
        }
    }
}
