package io.batchcall.api;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.batchcall.api.sheet.Sheet;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A recipient spreadsheet checked and turned into submit-ready recipients, as ElevenLabs' upload reads one: a
 * {@code phone_number} column is required; {@code language}, {@code first_message}, {@code system_prompt} and
 * {@code voice_id} become per-recipient overrides; every other column becomes a dynamic variable. Bad rows are
 * reported (row, column, message) and left out of {@code recipients}; the first row with a number keeps it and
 * later rows with the same number are duplicates.
 */
record RecipientFile(
        List<ObjectNode> recipients,
        List<Integer> recipientRows,
        List<RowError> errors,
        Counts counts,
        Columns columns) {
    static final String PHONE_NUMBER = "phone_number";
    /**
     * Columns that also become the recipient's own {@code timezone} and {@code region} (for calling windows); they
     * stay dynamic variables too, as every other column, so prompts that use them keep working.
     */
    static final String TIMEZONE = "timezone";

    static final String REGION = "region";
    private static final java.util.Set<String> PLACE = java.util.Set.of(TIMEZONE, REGION);
    /** Override columns and where each goes under conversation_config_override. */
    private static final Map<String, List<String>> OVERRIDES = Map.of(
            "language", List.of("agent", "language"),
            "first_message", List.of("agent", "first_message"),
            "system_prompt", List.of("agent", "prompt", "prompt"),
            "voice_id", List.of("tts", "voice_id"));
    /** A plain number: no leading zeros, sign or exponent tricks, few enough digits to survive JavaScript. */
    private static final Pattern PLAIN_NUMBER = Pattern.compile("-?(0|[1-9]\\d{0,14})(\\.\\d{1,6})?");

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    record RowError(int row, String column, String message, String value) {}

    record Counts(
            int rows,
            int valid,
            int invalid,
            int invalidNumbers,
            int duplicateNumbers,
            int emptyPhoneNumbers,
            int blankRowsSkipped) {}

    record Columns(List<String> dynamicVariables, List<String> overrides) {}

    /** Checks every row; a file without a phone_number column, or with two columns of one name, is a 422. */
    static RecipientFile from(Sheet sheet) {
        var names = sheet.header().stream().map(String::strip).toList();
        var keys = names.stream().map(RecipientFile::columnKey).toList();
        checkHeader(names, keys);
        int phone = keys.indexOf(PHONE_NUMBER);
        var variables = new ArrayList<String>();
        var overrides = new ArrayList<String>();
        for (int c = 0; c < keys.size(); c++) {
            if (c != phone && !names.get(c).isEmpty()) {
                (OVERRIDES.containsKey(keys.get(c)) ? overrides : variables).add(names.get(c));
            }
        }
        var recipients = new ArrayList<ObjectNode>();
        var rows = new ArrayList<Integer>();
        var errors = new ArrayList<RowError>();
        var firstRowOfNumber = new HashMap<String, Integer>();
        int invalid = 0;
        int invalidNumbers = 0;
        int duplicates = 0;
        int empty = 0;
        for (var row : sheet.rows()) {
            var rowErrors = new ArrayList<RowError>();
            for (int c = 0; c < row.cells().size(); c++) {
                var problem = unstorable(row.cell(c));
                if (problem != null) {
                    var column = c < names.size() && !names.get(c).isEmpty() ? names.get(c) : "column " + (c + 1);
                    rowErrors.add(new RowError(row.number(), column, problem, readable(row.cell(c))));
                }
            }
            if (!rowErrors.isEmpty()) {
                // Nothing else about such a row matters: it cannot become a recipient.
                invalid++;
                errors.addAll(rowErrors);
                continue;
            }
            var text = row.cell(phone).strip();
            String number = null;
            if (text.isEmpty()) {
                empty++;
                rowErrors.add(new RowError(row.number(), PHONE_NUMBER, "Empty: every row needs a phone number", ""));
            } else {
                var e164 = E164.normalise(text);
                if (e164.isEmpty()) {
                    invalidNumbers++;
                    rowErrors.add(new RowError(
                            row.number(),
                            PHONE_NUMBER,
                            "Not a valid phone number: use"
                                    + " international format with + and the country code, e.g. +14155550123",
                            text));
                } else {
                    number = e164.get();
                    var first = firstRowOfNumber.putIfAbsent(number, row.number());
                    if (first != null) {
                        duplicates++;
                        rowErrors.add(new RowError(
                                row.number(),
                                PHONE_NUMBER,
                                "Duplicate: row " + first + " has the same number " + number,
                                text));
                    }
                }
            }
            rowErrors.addAll(placeErrors(row, names, keys));
            for (int c = names.size(); c < row.cells().size(); c++) {
                if (!row.cell(c).isBlank()) {
                    rowErrors.add(new RowError(
                            row.number(),
                            "column " + (c + 1),
                            "A value in a column that has no" + " name in the header row",
                            row.cell(c)));
                }
            }
            for (int c = 0; c < names.size(); c++) {
                if (names.get(c).isEmpty() && !row.cell(c).isBlank()) {
                    rowErrors.add(new RowError(
                            row.number(),
                            "column " + (c + 1),
                            "A value in a column that has no" + " name in the header row",
                            row.cell(c)));
                }
            }
            if (rowErrors.isEmpty()) {
                recipients.add(recipient(number, row, names, keys, phone));
                rows.add(row.number());
            } else {
                invalid++;
                errors.addAll(rowErrors);
            }
        }
        var counts = new Counts(
                sheet.rows().size(), recipients.size(), invalid, invalidNumbers, duplicates, empty, sheet.blankRows());
        return new RecipientFile(recipients, rows, errors, counts, new Columns(variables, overrides));
    }

    /** Special columns are recognised whatever their case; other names are kept as written. */
    private static String columnKey(String name) {
        var lower = name.toLowerCase(Locale.ROOT);
        return lower.equals(PHONE_NUMBER) || OVERRIDES.containsKey(lower) || PLACE.contains(lower) ? lower : name;
    }

    /** A bad {@code timezone} (IANA name) or {@code region} (ISO 3166-1 or -2) cell, as submit would refuse it. */
    private static List<RowError> placeErrors(Sheet.Row row, List<String> names, List<String> keys) {
        var errors = new ArrayList<RowError>();
        for (int c = 0; c < keys.size(); c++) {
            var value = row.cell(c).strip();
            if (value.isEmpty()) {
                continue;
            }
            if (keys.get(c).equals(TIMEZONE) && (!Submission.isIanaZone(value) || value.startsWith("Etc/Unknown"))) {
                errors.add(new RowError(
                        row.number(), names.get(c), "Not an IANA time zone name such as America/Chicago", value));
            }
            if (keys.get(c).equals(REGION) && !Submission.REGION.matcher(value).matches()) {
                errors.add(
                        new RowError(row.number(), names.get(c), "Not an ISO 3166 region such as GB or US-FL", value));
            }
        }
        return errors;
    }

    /**
     * Why a cell's text cannot be stored, or null when it can: PostgreSQL's jsonb refuses U+0000, and a lone
     * UTF-16 surrogate is not Unicode text at all (it cannot be written as UTF-8). A reader produces either from
     * a hostile file (XLSX escapes such as {@code _x0000_}, a NUL byte in a CSV).
     */
    static String unstorable(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\0') {
                return "Contains the character U+0000 (NUL), which cannot be stored; remove it";
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return "Contains an unpaired surrogate (U+"
                        + Integer.toHexString(c).toUpperCase(Locale.ROOT)
                        + "), which is not valid Unicode text; remove it";
            }
        }
        return null;
    }

    /** The text with what cannot be stored replaced by U+FFFD, so that the report can show where it was. */
    private static String readable(String text) {
        var out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                out.append(c).append(text.charAt(++i));
            } else {
                out.append(c == '\0' || Character.isSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return out.toString();
    }

    private static void checkHeader(List<String> names, List<String> keys) {
        var violations = new ArrayList<Violation>();
        for (int c = 0; c < names.size(); c++) {
            var problem = unstorable(names.get(c));
            if (problem != null) {
                violations.add(new Violation(
                        List.of("body", "file"),
                        "Column " + (c + 1) + " of the header row: " + problem,
                        "value_error"));
            }
        }
        if (!violations.isEmpty()) {
            // A column name becomes a dynamic variable's name in every recipient: nothing else can be checked.
            throw new ValidationException(violations);
        }
        if (!keys.contains(PHONE_NUMBER)) {
            violations.add(new Violation(
                    List.of("body", "file"),
                    "The header row has no phone_number column" + " (it has: " + String.join(", ", names) + ")",
                    "missing"));
        }
        var seen = new HashMap<String, Integer>();
        for (int c = 0; c < keys.size(); c++) {
            var first = seen.putIfAbsent(keys.get(c), c);
            if (first != null && !names.get(c).isEmpty()) {
                violations.add(new Violation(
                        List.of("body", "file"),
                        "Columns " + (first + 1) + " and " + (c + 1) + " are both named " + names.get(c),
                        "value_error"));
            }
        }
        if (!violations.isEmpty()) {
            throw new ValidationException(violations);
        }
    }

    private static ObjectNode recipient(
            String number, Sheet.Row row, List<String> names, List<String> keys, int phone) {
        var recipient = NODES.objectNode().put(PHONE_NUMBER, number);
        var variables = new LinkedHashMap<String, String>();
        var override = NODES.objectNode();
        for (int c = 0; c < names.size(); c++) {
            if (c == phone || names.get(c).isEmpty()) {
                continue;
            }
            var value = row.cell(c).strip();
            if (PLACE.contains(keys.get(c)) && !value.isEmpty()) {
                recipient.put(keys.get(c), keys.get(c).equals(REGION) ? value.toUpperCase(Locale.ROOT) : value);
            }
            var path = OVERRIDES.get(keys.get(c));
            if (path == null) {
                variables.put(names.get(c), value);
            } else if (!value.isEmpty()) {
                var node = override;
                for (var step : path.subList(0, path.size() - 1)) {
                    node = node.has(step) ? (ObjectNode) node.get(step) : node.putObject(step);
                }
                node.put(path.getLast(), value);
            }
        }
        if (variables.isEmpty() && override.isEmpty()) {
            return recipient;
        }
        var data = recipient.putObject("conversation_initiation_client_data");
        if (!variables.isEmpty()) {
            var dynamic = data.putObject("dynamic_variables");
            variables.forEach((name, value) -> {
                if (PLAIN_NUMBER.matcher(value).matches()) {
                    dynamic.put(name, new BigDecimal(value));
                } else {
                    dynamic.put(name, value);
                }
            });
        }
        if (!override.isEmpty()) {
            data.set("conversation_config_override", override);
        }
        return recipient;
    }
}
