package io.batchcall.telephony.whatsapp;

/**
 * Where the webhook endpoint hands what Meta reported, once its signature checked out. Meta delivers at least
 * once and in any order (a terminate can come before its connect), so an implementation is idempotent and
 * order-tolerant: the same event twice, or a stale one, changes nothing.
 */
@FunctionalInterface
public interface WhatsAppEvents {
    void handle(WhatsAppEvent event);
}
