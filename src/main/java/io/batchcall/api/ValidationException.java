package io.batchcall.api;

import java.util.List;

/** A request that failed validation; answered 422 with every violation found. */
public final class ValidationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient List<Violation> violations;

    public ValidationException(List<Violation> violations) {
        super(violations.size() + " validation error(s)", null, false, false);
        if (violations.isEmpty()) {
            throw new IllegalArgumentException("a validation failure needs at least one violation");
        }
        this.violations = List.copyOf(violations);
    }

    public static ValidationException of(List<Object> loc, String msg, String type) {
        return new ValidationException(List.of(new Violation(loc, msg, type)));
    }

    public List<Violation> violations() {
        return violations;
    }
}
