package io.batchcall.config;

/**
 * Limits of {@code POST /v1/convai/batch-calling/recipients/validate}, the spreadsheet upload: columns in any
 * row, characters in any cell, and how many uploads one node reads at once (each may hold a 10 MB file and its
 * parsed text; more wait for nobody and get a 429).
 */
public record UploadLimitsConfig(int maxColumns, int maxCellCharacters, int maxConcurrentUploads) {
    public static final int DEFAULT_MAX_COLUMNS = 200;
    /** Room for a long system prompt override in one cell. */
    public static final int DEFAULT_MAX_CELL_CHARACTERS = 20_000;

    public static final int DEFAULT_MAX_CONCURRENT_UPLOADS = 4;

    public static UploadLimitsConfig defaults() {
        return new UploadLimitsConfig(DEFAULT_MAX_COLUMNS, DEFAULT_MAX_CELL_CHARACTERS, DEFAULT_MAX_CONCURRENT_UPLOADS);
    }
}
