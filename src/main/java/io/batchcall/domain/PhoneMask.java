package io.batchcall.domain;

import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Phone numbers as a log line may show them: the country code and the last two digits ({@code +1********99}),
 * enough to tell two calls apart or to match a complaint, not enough to call anyone.
 */
public final class PhoneMask {
    /** E.164 country codes of two digits; 1 and 7 are the single-digit ones, every other code has three. */
    private static final Set<String> TWO_DIGIT_CODES = Set.of(
            "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47", "48", "49",
            "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65", "66", "81", "82", "84",
            "86", "90", "91", "92", "93", "94", "95", "98");
    /**
     * A number as it appears in our text and in what we get back from drivers and providers: E.164 with its
     * {@code +}, or the digits of a {@code sip:} or {@code tel:} URI's user part.
     */
    private static final Pattern IN_TEXT =
            Pattern.compile("(?<![\\w+])\\+(\\d{6,15})(?!\\d)|(?<=sip:|sips:|tel:)(\\+?)(\\d{6,15})(?=[@;>\\s]|$)");

    private PhoneMask() {}

    /** One number, {@code +14155550199} becoming {@code +1********99}. */
    public static String mask(String number) {
        var digits = number.startsWith("+") ? number.substring(1) : number;
        if (digits.length() < 4 || !digits.chars().allMatch(Character::isDigit)) {
            return "*".repeat(Math.max(number.length(), 1));
        }
        return "+" + masked(digits);
    }

    /** Free text (an error from a driver or a provider) with every phone number in it masked. */
    public static String maskWithin(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        Matcher matcher = IN_TEXT.matcher(text);
        if (!matcher.find()) {
            return text;
        }
        var out = new StringBuilder(text.length());
        do {
            var replacement = matcher.group(1) != null
                    ? "+" + masked(matcher.group(1))
                    : matcher.group(2) + masked(matcher.group(3));
            matcher.appendReplacement(out, Matcher.quoteReplacement(replacement));
        } while (matcher.find());
        matcher.appendTail(out);
        return out.toString();
    }

    private static String masked(String digits) {
        int code = digits.startsWith("1") || digits.startsWith("7")
                ? 1
                : TWO_DIGIT_CODES.contains(digits.substring(0, 2)) ? 2 : 3;
        int hidden = Math.max(digits.length() - code - 2, 1);
        int shownEnd = Math.max(0, Math.min(2, digits.length() - code - hidden));
        return digits.substring(0, code) + "*".repeat(hidden) + digits.substring(digits.length() - shownEnd);
    }
}
