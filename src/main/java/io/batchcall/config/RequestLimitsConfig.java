package io.batchcall.config;

/**
 * What one request body may cost the node. A submit of 10,000 recipients with generous client data is a few
 * tens of MB; one recipient's data is a few KB, so no single string, number or nesting level needs to be large.
 *
 * @param maxBodyBytes         a body larger than this is a 413, refused before it is read when it says its length
 * @param jsonMaxDepth         objects and arrays nested deeper than this are a 422
 * @param jsonMaxStringChars   a JSON string (a value or a key) longer than this is a 422
 * @param jsonMaxNumberChars   a JSON number written with more characters than this is a 422
 * @param bodyBytesInFlight    large bodies being read and handled at once across the node; a request that finds
 *                             no room within a short wait is a 503 with Retry-After
 */
public record RequestLimitsConfig(
        long maxBodyBytes, int jsonMaxDepth, int jsonMaxStringChars, int jsonMaxNumberChars, long bodyBytesInFlight) {
    static final int DEFAULT_MAX_BODY_MB = 64;
    static final int DEFAULT_JSON_MAX_DEPTH = 64;
    static final int DEFAULT_JSON_MAX_STRING_CHARS = 1_000_000;
    static final int DEFAULT_JSON_MAX_NUMBER_CHARS = 100;
    /**
     * A submit's parsed tree, recipients and rows take about 7 times its JSON bytes of heap (measured: ten 22 MB
     * submits at once kept 1.6 GB live), so room for a sixteenth of the heap in body bytes keeps large requests
     * under half of it.
     */
    static final int HEAP_SHARE_FOR_BODIES = 16;

    private static final long MB = 1024L * 1024;

    public RequestLimitsConfig {
        if (maxBodyBytes < 1 || jsonMaxDepth < 1 || jsonMaxStringChars < 1 || jsonMaxNumberChars < 1) {
            throw new IllegalArgumentException("request limits must be positive");
        }
        if (bodyBytesInFlight < maxBodyBytes) {
            throw new IllegalArgumentException("the room for bodies in flight must hold at least one largest body");
        }
    }

    public static RequestLimitsConfig defaults() {
        return ofMegabytes(
                DEFAULT_MAX_BODY_MB,
                DEFAULT_JSON_MAX_DEPTH,
                DEFAULT_JSON_MAX_STRING_CHARS,
                DEFAULT_JSON_MAX_NUMBER_CHARS,
                defaultBodyMbInFlight(DEFAULT_MAX_BODY_MB, Runtime.getRuntime().maxMemory()));
    }

    /** A sixteenth of the heap, and never less than one largest body (which could otherwise never be read). */
    static int defaultBodyMbInFlight(int maxBodyMb, long maxHeapBytes) {
        return (int) Math.max(maxBodyMb, Math.min(65_536, maxHeapBytes / HEAP_SHARE_FOR_BODIES / MB));
    }

    static RequestLimitsConfig ofMegabytes(
            int maxBodyMb, int jsonMaxDepth, int jsonMaxStringChars, int jsonMaxNumberChars, int bodyMbInFlight) {
        return new RequestLimitsConfig(
                maxBodyMb * MB, jsonMaxDepth, jsonMaxStringChars, jsonMaxNumberChars, bodyMbInFlight * MB);
    }
}
