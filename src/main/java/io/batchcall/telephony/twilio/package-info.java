/**
 * Twilio Programmable Voice through its REST API with the JDK's HTTP client: creating, cancelling, hanging up
 * and looking up calls, and reading its status callbacks. No SDK: its hidden retries re-send create requests,
 * which places duplicate calls (telephony.md 2.8). May depend on {@code domain}, {@code config} and
 * {@code telephony}.
 */
package io.batchcall.telephony.twilio;
