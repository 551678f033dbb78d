package io.batchcall.api;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import java.util.List;
import java.util.Optional;

/**
 * Normalises phone numbers to E.164 with libphonenumber. Input must be international ({@code +} and country
 * code; spaces, dashes, dots and brackets are allowed) and valid for its country's numbering plan, so that a
 * typo is caught at submit time rather than as a failed call. A number to dial may not carry an extension: E.164
 * has none, so "+1 415 555 0123 ext. 5" was stored as the main line and the call reached a switchboard instead
 * of its person. A number only matched against (an opt-out, a suppression) may: the main line is suppressed.
 * Text already in E.164's form is parsed by {@link CanonicalNumbers} and every number validated by {@link
 * ValidNumbers}, each giving the library's own answer in less CPU.
 */
public final class E164 {
    private static final PhoneNumberUtil PHONE_NUMBERS = PhoneNumberUtil.getInstance();

    private E164() {}

    /** The E.164 form, or empty when the text is not a valid international number or has an extension. */
    public static Optional<String> normalise(String text) {
        return normalise(text, false);
    }

    /** The E.164 form of a number to match, not to dial: an extension is dropped (the main line is meant). */
    public static Optional<String> normaliseIgnoringExtension(String text) {
        return normalise(text, true);
    }

    private static Optional<String> normalise(String text, boolean extensionAllowed) {
        return parse(text)
                .filter(ValidNumbers::isValid)
                .filter(number -> extensionAllowed || !number.hasExtension())
                .map(number -> PHONE_NUMBERS.format(number, PhoneNumberUtil.PhoneNumberFormat.E164));
    }

    /** The parser's answer; text already in E.164's form is answered without it ({@link CanonicalNumbers}). */
    private static Optional<PhoneNumber> parse(String text) {
        var canonical = CanonicalNumbers.parse(text);
        if (canonical.isPresent()) {
            return canonical;
        }
        try {
            return Optional.of(PHONE_NUMBERS.parse(text, "ZZ"));
        } catch (NumberParseException e) {
            return Optional.empty();
        }
    }

    /**
     * {@link #normalise} of each text, in the same order (a null text gives empty): the same answers, computed in
     * parallel for long lists ({@link InOrder}): libphonenumber's parse and validation were half the CPU of a
     * 10,000-recipient submit before {@link CanonicalNumbers} and {@link ValidNumbers} took most of it off.
     */
    static List<Optional<String>> normaliseAll(List<String> texts) {
        return InOrder.map(texts, text -> text == null ? Optional.<String>empty() : normalise(text));
    }

    /** The message for a number {@link #normalise} refused, in Pydantic's value_error wording. */
    public static String invalidMessage() {
        return "Value error, not a valid phone number: use international format with the country code and no"
                + " extension, e.g. +14155550123";
    }
}
