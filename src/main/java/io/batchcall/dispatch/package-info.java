/**
 * The dispatcher: claims due recipients within their limits, dials them through a provider and records what
 * happened. May depend on {@code domain}, {@code config}, {@code store} and {@code telephony}.
 */
package io.batchcall.dispatch;
