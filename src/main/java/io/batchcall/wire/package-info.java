/**
 * The public API's JSON shapes, built from domain values: what responses and events say about batches and
 * recipients. Shared by {@code api} (responses) and {@code store} (event bodies, written in the transaction that
 * makes the change), so that an event's data is the very shape a GET returns. Depends on {@code domain} and
 * Jackson only.
 */
package io.batchcall.wire;
