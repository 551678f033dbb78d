package io.batchcall.domain;

/**
 * A change refused because of the state an object is in (a finished batch cannot be cancelled, say). Answered
 * 409 with its code; thrown inside a transaction, it also rolls that transaction back.
 */
public final class StateConflict extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String code;

    public StateConflict(String code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
