/**
 * WhatsApp Business calling over Meta's Graph API: the permission gate, placing calls with an SDP offer from the
 * media bridge (SDES-SRTP with G.711), and what Meta's {@code calls} and {@code messages} webhooks say about them
 * ({@link io.batchcall.telephony.whatsapp.WhatsAppEvent}). The webhook endpoint itself lives in {@code api}; it
 * checks signatures and hands parsed events to {@link io.batchcall.telephony.whatsapp.WhatsAppEvents}. May depend
 * on {@code domain}, {@code config}, {@code telephony} and {@code telephony.media}.
 */
package io.batchcall.telephony.whatsapp;
