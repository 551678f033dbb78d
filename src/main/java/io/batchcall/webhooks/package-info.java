/**
 * Webhook delivery: the sender that claims due deliveries from the outbox, signs each one at send time
 * (ElevenLabs' and Standard Webhooks' headers under one secret), posts it without following redirects and records
 * the attempt. At the level of {@code dispatch}: it may depend on store, domain, config and wire.
 */
package io.batchcall.webhooks;
