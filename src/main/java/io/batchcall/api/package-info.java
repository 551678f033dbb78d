/**
 * The HTTP API: server setup, authentication, one routes class per resource, request and response records,
 * and the single place where errors become HTTP responses. May depend on {@code domain}, {@code config},
 * {@code store} and {@code dispatch}.
 */
package io.batchcall.api;
