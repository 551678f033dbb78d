/**
 * Exotel Voice v1 through its REST API with the JDK's HTTP client: placing calls with {@code Calls/connect},
 * looking them up, and reading its (unsigned) status callbacks. Every request is paced per Exotel account across
 * all nodes ({@link io.batchcall.telephony.RequestBudget}). May depend on {@code domain}, {@code config} and
 * {@code telephony}.
 */
package io.batchcall.telephony.exotel;
