package io.batchcall.rules;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberToTimeZonesMapper;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberType;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import com.google.i18n.phonenumbers.geocoding.PhoneNumberOfflineGeocoder;
import io.batchcall.domain.RecipientZones;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a phone number says about where its owner is: the time zones of its area (libphonenumber's map, through
 * {@link #OVERRIDES}) and its region (the country, and for US numbers the state of the area code). A number whose
 * type is not tied to a place (toll-free, VoIP, premium, personal) has no zones: the map would list its whole
 * country, which is no answer. Lookups are cached per number prefix.
 */
public final class NumberZones {
    /** The version of {@link #OVERRIDES}; changes with the table. */
    public static final String OVERRIDES_VERSION = "2026-11-29";

    /**
     * Where libphonenumber's representative zones are wrong (calling-windows.md §2.4, §2.5), longest prefix first
     * wins: Kaliningrad is not Bucharest (other DST); 867 spans Yukon, NWT and Nunavut's zones; Indonesian mobiles
     * are anywhere from WIB to WIT, not only Jakarta.
     */
    static final Map<String, List<String>> OVERRIDES = Map.of(
            "+74012", List.of("Europe/Kaliningrad"),
            "+1867", List.of("America/Whitehorse", "America/Edmonton", "America/Winnipeg", "America/Toronto"),
            "+628", List.of("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"));

    private static final Set<PhoneNumberType> PLACED =
            Set.of(PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE);
    private static final int MAX_CACHED = 100_000;

    /** The zones (empty: unknown) and region of a number. */
    public record Lookup(List<ZoneId> zones, Optional<String> region) {}

    private final PhoneNumberUtil util = PhoneNumberUtil.getInstance();
    private final Map<String, Lookup> cache = new ConcurrentHashMap<>();

    public Lookup lookup(String e164) {
        var key = cacheKey(e164);
        var cached = cache.get(key);
        if (cached != null) {
            return cached;
        }
        var found = find(e164);
        if (cache.size() > MAX_CACHED) {
            cache.clear();
        }
        cache.put(key, found);
        return found;
    }

    /**
     * NANP numbers are mapped per area code and exchange (NPA-NXX, "+1" and six digits); elsewhere the whole
     * number is the key, since zone prefixes and validity there depend on more digits.
     */
    private static String cacheKey(String e164) {
        return e164.startsWith("+1") && e164.length() == 12 ? e164.substring(0, 8) : e164;
    }

    private Lookup find(String e164) {
        PhoneNumber number;
        try {
            number = util.parse(e164, null);
        } catch (NumberParseException e) {
            return new Lookup(List.of(), Optional.empty());
        }
        var regionCode = util.getRegionCodeForNumber(number);
        var country = Optional.ofNullable(regionCode).filter(r -> r.length() == 2 && !r.equals("ZZ"));
        var region = country.map(
                c -> c.equals("US") ? usState(number).map(s -> "US-" + s).orElse(c) : c);
        if (!PLACED.contains(util.getNumberType(number))) {
            return new Lookup(List.of(), region);
        }
        var override = OVERRIDES.entrySet().stream()
                .filter(entry -> e164.startsWith(entry.getKey()))
                .max(Comparator.comparingInt(entry -> entry.getKey().length()));
        var names = override.map(Map.Entry::getValue)
                .orElseGet(() -> PhoneNumberToTimeZonesMapper.getInstance().getTimeZonesForNumber(number));
        return new Lookup(distinct(names), region);
    }

    /** Valid zones only ({@code Etc/Unknown} is not one), one per set of rules (London, Jersey, Guernsey: one). */
    static List<ZoneId> distinct(List<String> names) {
        var zones = new ArrayList<ZoneId>();
        for (var name : names) {
            RecipientZones.zone(name).ifPresent(zone -> {
                if (zones.stream().noneMatch(z -> z.getRules().equals(zone.getRules()))) {
                    zones.add(zone);
                }
            });
        }
        return List.copyOf(zones);
    }

    /**
     * The US state of a number's area code, from the geocoder's English description ("Paducah, KY" or "Florida");
     * empty when it names neither. FL and OK presume residency from the area code, which is what this reads.
     */
    private Optional<String> usState(PhoneNumber number) {
        var description = PhoneNumberOfflineGeocoder.getInstance().getDescriptionForNumber(number, Locale.ENGLISH);
        if (description == null || description.isBlank()) {
            return Optional.empty();
        }
        var comma = description.lastIndexOf(", ");
        if (comma >= 0) {
            var code = description.substring(comma + 2).strip();
            return STATES.containsValue(code) ? Optional.of(code) : Optional.empty();
        }
        return Optional.ofNullable(STATES.get(description.strip()));
    }

    private static final Map<String, String> STATES = Map.ofEntries(
            Map.entry("Alabama", "AL"),
            Map.entry("Alaska", "AK"),
            Map.entry("Arizona", "AZ"),
            Map.entry("Arkansas", "AR"),
            Map.entry("California", "CA"),
            Map.entry("Colorado", "CO"),
            Map.entry("Connecticut", "CT"),
            Map.entry("Delaware", "DE"),
            Map.entry("District of Columbia", "DC"),
            Map.entry("Washington D.C.", "DC"),
            Map.entry("Florida", "FL"),
            Map.entry("Georgia", "GA"),
            Map.entry("Hawaii", "HI"),
            Map.entry("Idaho", "ID"),
            Map.entry("Illinois", "IL"),
            Map.entry("Indiana", "IN"),
            Map.entry("Iowa", "IA"),
            Map.entry("Kansas", "KS"),
            Map.entry("Kentucky", "KY"),
            Map.entry("Louisiana", "LA"),
            Map.entry("Maine", "ME"),
            Map.entry("Maryland", "MD"),
            Map.entry("Massachusetts", "MA"),
            Map.entry("Michigan", "MI"),
            Map.entry("Minnesota", "MN"),
            Map.entry("Mississippi", "MS"),
            Map.entry("Missouri", "MO"),
            Map.entry("Montana", "MT"),
            Map.entry("Nebraska", "NE"),
            Map.entry("Nevada", "NV"),
            Map.entry("New Hampshire", "NH"),
            Map.entry("New Jersey", "NJ"),
            Map.entry("New Mexico", "NM"),
            Map.entry("New York", "NY"),
            Map.entry("North Carolina", "NC"),
            Map.entry("North Dakota", "ND"),
            Map.entry("Ohio", "OH"),
            Map.entry("Oklahoma", "OK"),
            Map.entry("Oregon", "OR"),
            Map.entry("Pennsylvania", "PA"),
            Map.entry("Rhode Island", "RI"),
            Map.entry("South Carolina", "SC"),
            Map.entry("South Dakota", "SD"),
            Map.entry("Tennessee", "TN"),
            Map.entry("Texas", "TX"),
            Map.entry("Utah", "UT"),
            Map.entry("Vermont", "VT"),
            Map.entry("Virginia", "VA"),
            Map.entry("Washington", "WA"),
            Map.entry("West Virginia", "WV"),
            Map.entry("Wisconsin", "WI"),
            Map.entry("Wyoming", "WY"));
}
