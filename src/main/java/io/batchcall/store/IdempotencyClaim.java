package io.batchcall.store;

/** An Idempotency-Key presented with a request, and the hash of that request (method, path and body). */
public record IdempotencyClaim(String key, byte[] requestHash) {}
