package io.batchcall.api.sheet;

/**
 * How much of a spreadsheet a reader takes before it gives up: data rows, columns in any row, characters in any
 * cell, and characters in the whole sheet. Readers check each as they go, so a hostile file is refused after
 * reading no more than the limit, not after building it in memory.
 */
public record SheetLimits(int maxRows, int maxColumns, int maxCellCharacters, long maxTotalCharacters) {
    /** Excel's last column, XFD: no real workbook has a cell past it. */
    public static final int EXCEL_COLUMNS = 16_384;
    /** Excel's last row. */
    public static final int EXCEL_ROWS = 1_048_576;

    public SheetLimits {
        if (maxRows < 1 || maxColumns < 1 || maxCellCharacters < 1 || maxTotalCharacters < 1) {
            throw new IllegalArgumentException("sheet limits must be positive");
        }
    }
}
