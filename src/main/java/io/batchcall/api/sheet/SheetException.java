package io.batchcall.api.sheet;

/** A file that cannot be read as a spreadsheet at all; the message says why, for the person who uploaded it. */
public final class SheetException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SheetException(String message) {
        super(message, null, false, false);
    }
}
