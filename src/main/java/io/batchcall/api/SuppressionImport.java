package io.batchcall.api;

import io.batchcall.store.SuppressionStore.NewEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Numbers for a do-not-call list, as people have them: E.164 ({@code +14155550123}, formatting allowed), prefixes
 * ({@code +1201*}: every number starting with +1201) and, since US lists are kept that way, 10-digit NANP numbers
 * (taken as +1). Every number is checked with the same libphonenumber rules as a submit's ({@link E164}), so a
 * list never holds a number a batch could not contain. Bad rows are reported, the others imported.
 */
final class SuppressionImport {
    /** Ten times a batch's recipients: national lists are imported in several requests of this many rows. */
    static final int MAX_ROWS = 100_000;
    /** The upload limit of a recipients file; a CSV of MAX_ROWS numbers is under 2 MB. */
    static final long MAX_CSV_BYTES = RecipientUploadRoutes.MAX_FILE_BYTES;
    /** Enough to fix a file by; the count says how many there were in all. */
    static final int MAX_REPORTED_INVALID = 1_000;

    private static final Pattern FORMATTING = Pattern.compile("[\\s\\-.()]");
    private static final Pattern PREFIX = Pattern.compile("\\+[1-9][0-9]{0,14}");
    private static final Pattern NANP = Pattern.compile("[2-9][0-9]{9}");
    private static final Pattern NANP_WITH_ONE = Pattern.compile("1[2-9][0-9]{9}");
    private static final Pattern LETTERS = Pattern.compile(".*\\p{L}.*");

    private SuppressionImport() {}

    /** A row that could not be read: its row (1-based line of a CSV, 0-based index of a JSON list) and text. */
    record Invalid(int row, String value, String reason) {}

    record Parsed(List<NewEntry> entries, List<Invalid> invalid) {}

    static final String INVALID_REASON = "Not a phone number: use E.164 (+14155550123), a prefix ending in *"
            + " (+1201*) or a 10-digit US/Canada number";

    /** One number or prefix, or empty when it is neither. */
    static Optional<NewEntry> entry(String text) {
        var cleaned = FORMATTING.matcher(text.strip()).replaceAll("");
        if (cleaned.endsWith("*")) {
            var prefix = cleaned.substring(0, cleaned.length() - 1);
            return PREFIX.matcher(prefix).matches() ? Optional.of(new NewEntry(prefix, true)) : Optional.empty();
        }
        if (NANP.matcher(cleaned).matches()) {
            cleaned = "+1" + cleaned;
        } else if (NANP_WITH_ONE.matcher(cleaned).matches()) {
            cleaned = "+" + cleaned;
        }
        return E164.normaliseIgnoringExtension(cleaned).map(number -> new NewEntry(number, false));
    }

    /** The {@code numbers} of a JSON import; rows are their index. */
    static Parsed fromList(List<String> numbers) {
        var entries = new ArrayList<NewEntry>(numbers.size());
        var invalid = new ArrayList<Invalid>();
        for (int i = 0; i < numbers.size(); i++) {
            add(numbers.get(i), i, entries, invalid);
        }
        return new Parsed(entries, invalid);
    }

    /**
     * A CSV: one number per row, in the first column (so that an export imports back as it is); blank rows are
     * skipped, and a first row without digits is a header. Rows are the file's 1-based lines.
     */
    static Parsed fromCsv(String text) {
        var entries = new ArrayList<NewEntry>();
        var invalid = new ArrayList<Invalid>();
        var lines = text.split("\r\n|\n|\r", -1);
        boolean first = true;
        int rows = 0;
        for (int i = 0; i < lines.length; i++) {
            var cell = firstCell(lines[i]);
            if (cell.isEmpty()) {
                continue;
            }
            boolean header =
                    first && LETTERS.matcher(cell).matches() && cell.chars().noneMatch(Character::isDigit);
            first = false;
            if (header) {
                continue;
            }
            if (++rows > MAX_ROWS) {
                throw tooManyRows();
            }
            add(cell, i + 1, entries, invalid);
        }
        return new Parsed(entries, invalid);
    }

    static ValidationException tooManyRows() {
        return ValidationException.of(
                List.of("body"),
                "At most " + MAX_ROWS + " numbers per import; split the list into several requests",
                "too_long");
    }

    private static void add(String value, int row, List<NewEntry> entries, List<Invalid> invalid) {
        entry(value).ifPresentOrElse(entries::add, () -> invalid.add(new Invalid(row, value, INVALID_REASON)));
    }

    private static String firstCell(String line) {
        var cell = line.strip();
        if (cell.startsWith("\uFEFF")) {
            cell = cell.substring(1);
        }
        if (cell.startsWith("\"")) {
            int close = cell.indexOf('"', 1);
            return close < 0
                    ? cell.substring(1).strip()
                    : cell.substring(1, close).strip();
        }
        int end = cell.length();
        for (var separator : new char[] {',', ';', '\t'}) {
            int at = cell.indexOf(separator);
            if (at >= 0) {
                end = Math.min(end, at);
            }
        }
        return cell.substring(0, end).strip();
    }
}
