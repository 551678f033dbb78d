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

    /** Collects rows as a reader produces them, enforcing the row limit as it goes. */
    static final class Builder {
        private final int maxRows;
        private List<String> header;
        private final java.util.ArrayList<Row> rows = new java.util.ArrayList<>();
        private int blankRows;

        Builder(int maxRows) {
            this.maxRows = maxRows;
        }

        void add(int number, List<String> cells) {
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
            if (rows.size() == maxRows) {
                throw new SheetException("The file has more than " + maxRows + " rows of recipients; split it"
                        + " into several batches");
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
