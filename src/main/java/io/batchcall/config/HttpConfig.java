package io.batchcall.config;

/** Where the HTTP server listens. Port 0 asks the OS for a free port (tests use it). */
public record HttpConfig(String host, int port) {}
