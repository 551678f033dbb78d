package io.batchcall.api.sheet;

import java.util.List;

/**
 * A spreadsheet's first sheet as text: the header (its first non-blank row) and the rows below it, each with
 * the number a spreadsheet program shows for it (the header of a file without leading blank rows is row 1).
 */
public record Sheet(List<String> header, List<Row> rows, int blankRows) {
    public Sheet {
        header = List.copyOf(header);
        rows = List.copyOf(rows);
    }

    /** One data row; cells as written, possibly fewer or more than the header has. */
    public record Row(int number, List<String> cells) {
        public Row {
            cells = List.copyOf(cells);
        }

        public String cell(int column) {
            return column < cells.size() ? cells.get(column) : "";
        }
    }

    /** True when every cell is empty or whitespace: such rows are skipped, not reported. */
    static boolean blank(List<String> cells) {
        return cells.stream().allMatch(String::isBlank);
    }

    /** Collects rows as a reader produces them, enforcing the limits as it goes. */
    static final class Builder {
        private final SheetLimits limits;
        private List<String> header;
        private final java.util.ArrayList<Row> rows = new java.util.ArrayList<>();
        private int blankRows;
        private long characters;

        Builder(SheetLimits limits) {
            this.limits = limits;
        }

        /**
         * Checks one cell as a reader meets it, before its row is complete: {@code column} counts from 0 and
         * {@code length} is its length so far. A reader calls it as a cell grows, so that reading stops at the
         * limit.
         */
        void checkCell(int row, int column, int length) {
            if (column >= limits.maxColumns()) {
                throw new SheetException("Row " + row + " has more than " + limits.maxColumns() + " columns; a"
                        + " recipient file needs a phone_number column and one column per dynamic variable");
            }
            if (length > limits.maxCellCharacters()) {
                throw new SheetException("Row " + row + ", column " + (column + 1) + " holds more than "
                        + limits.maxCellCharacters() + " characters");
            }
        }

        void add(int number, List<String> cells) {
            for (int c = 0; c < cells.size(); c++) {
                checkCell(number, c, cells.get(c).length());
                characters += cells.get(c).length();
            }
            if (characters > limits.maxTotalCharacters()) {
                throw new SheetException("The file holds more than " + limits.maxTotalCharacters() + " characters"
                        + " of text; split it into several batches");
            }
            if (blank(cells)) {
                if (header != null) {
                    blankRows++;
                }
                return;
            }
            if (header == null) {
                header = List.copyOf(cells);
                return;
            }
            if (rows.size() == limits.maxRows()) {
                throw new SheetException("The file has more than " + limits.maxRows() + " rows of recipients;"
                        + " split it into several batches");
            }
            rows.add(new Row(number, cells));
        }

        Sheet build() {
            if (header == null) {
                throw new SheetException("The file is empty: it needs a header row with a phone_number column");
            }
            return new Sheet(header, rows, blankRows);
        }
    }
}
