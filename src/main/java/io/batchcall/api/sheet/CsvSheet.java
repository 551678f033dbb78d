package io.batchcall.api.sheet;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads CSV as RFC 4180 describes it: fields separated by a delimiter, optionally in double quotes (which may
 * hold delimiters, line breaks and {@code ""} for a quote), records ending in CRLF, LF or CR. Small enough to
 * own, so no library is needed. Two concessions to files saved by spreadsheet programs: the delimiter is the
 * one of {@code , ; TAB} that the first line uses most (European Excel saves with {@code ;}), and text that is
 * not valid UTF-8 is read as Windows-1252. A UTF-8 byte order mark is dropped.
 */
public final class CsvSheet {
    private static final Charset WINDOWS_1252 = Charset.forName("windows-1252");
    private static final char QUOTE = '"';

    private CsvSheet() {}

    public static Sheet read(byte[] bytes, SheetLimits limits) {
        var text = decode(bytes);
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        return parse(text, delimiter(text), limits);
    }

    private static String decode(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            return new String(bytes, WINDOWS_1252);
        }
    }

    /** The delimiter the first line uses most, outside quotes; a comma when it uses none. */
    static char delimiter(String text) {
        int commas = 0;
        int semicolons = 0;
        int tabs = 0;
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == QUOTE) {
                quoted = !quoted;
            } else if (!quoted && (c == '\n' || c == '\r')) {
                break;
            } else if (!quoted) {
                commas += c == ',' ? 1 : 0;
                semicolons += c == ';' ? 1 : 0;
                tabs += c == '\t' ? 1 : 0;
            }
        }
        if (semicolons > commas && semicolons >= tabs) {
            return ';';
        }
        return tabs > commas ? '\t' : ',';
    }

    private static Sheet parse(String text, char delimiter, SheetLimits limits) {
        var sheet = new Sheet.Builder(limits);
        var cells = new ArrayList<String>();
        var cell = new StringBuilder();
        int record = 1;
        int i = 0;
        int length = text.length();
        while (i < length) {
            char c = text.charAt(i);
            if (c == QUOTE && cell.isEmpty()) {
                i = quoted(text, i + 1, cell, record, cells.size(), sheet);
                if (i < length && text.charAt(i) != delimiter && text.charAt(i) != '\n' && text.charAt(i) != '\r') {
                    throw new SheetException("Row " + record + " has text after a closing quote; a quote inside a"
                            + " quoted cell is written as two quotes (\"\")");
                }
            } else if (c == delimiter) {
                cells.add(cell.toString());
                cell.setLength(0);
                // A delimiter promises one more cell: refuse a runaway row here, not after reading all of it.
                sheet.checkCell(record, cells.size(), 0);
                i++;
            } else if (c == '\n' || c == '\r') {
                cells.add(cell.toString());
                cell.setLength(0);
                sheet.add(record, List.copyOf(cells));
                cells.clear();
                record++;
                i += c == '\r' && i + 1 < length && text.charAt(i + 1) == '\n' ? 2 : 1;
            } else {
                cell.append(c);
                sheet.checkCell(record, cells.size(), cell.length());
                i++;
            }
        }
        if (!cell.isEmpty() || !cells.isEmpty()) {
            cells.add(cell.toString());
            sheet.add(record, List.copyOf(cells));
        }
        return sheet.build();
    }

    /** Reads a quoted cell's content from {@code start} (just after its opening quote); answers the index after it. */
    private static int quoted(String text, int start, StringBuilder cell, int record, int column, Sheet.Builder sheet) {
        int i = start;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == QUOTE) {
                if (i + 1 < text.length() && text.charAt(i + 1) == QUOTE) {
                    cell.append(QUOTE);
                    sheet.checkCell(record, column, cell.length());
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            cell.append(c);
            sheet.checkCell(record, column, cell.length());
            i++;
        }
        throw new SheetException("Row " + record + " opens a quoted cell that is never closed");
    }
}
