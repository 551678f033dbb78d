package io.batchcall.api;

/**
 * An expected failure that becomes {@code {"detail":{"status":code,"message":message}}} with an HTTP status.
 * Thrown by route handlers; turned into a response in {@link ApiErrors} only.
 */
public final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int httpStatus;
    private final String code;

    public ApiException(int httpStatus, String code, String message) {
        super(message, null, false, false);
        this.httpStatus = httpStatus;
        this.code = code;
    }

    public static ApiException notFound(String code, String message) {
        return new ApiException(404, code, message);
    }

    public static ApiException conflict(String code, String message) {
        return new ApiException(409, code, message);
    }

    public int httpStatus() {
        return httpStatus;
    }

    public String code() {
        return code;
    }
}
