package io.batchcall;

import io.batchcall.config.Config;
import io.batchcall.config.WebhookConfig;
import io.batchcall.domain.EgressPolicy;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.RetrySchedule;
import io.batchcall.store.CredentialCipher;
import io.batchcall.store.Database;
import io.batchcall.store.DeliveryLog;
import io.batchcall.store.DeliveryStore;
import io.batchcall.store.WebhookStore;
import io.batchcall.webhooks.WebhookMetrics;
import io.batchcall.webhooks.WebhookSender;
import io.batchcall.webhooks.WebhookUrls;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.SplittableRandom;

/**
 * Webhooks: their settings, deliveries and the sender. The sender is created before the dispatcher so that the
 * dispatcher's notification listener can wake it, and started after the dispatcher (so it stops before it, right
 * after HTTP).
 */
record WebhookDelivery(
        WebhookConfig config,
        WebhookUrls urls,
        WebhookStore webhooks,
        DeliveryStore deliveries,
        DeliveryLog log,
        WebhookSender sender) {

    static WebhookDelivery create(
            Config config,
            Database database,
            Clock clock,
            CredentialCipher cipher,
            IdSource ids,
            EgressPolicy egress,
            MeterRegistry meters) {
        var webhookConfig = config.webhooks();
        var webhookUrls = new WebhookUrls(egress, webhookConfig.requireHttps());
        var webhookStore = new WebhookStore(database, clock, cipher, ids);
        var deliveryStore = new DeliveryStore(
                database,
                clock,
                cipher,
                ids,
                config.nodeId(),
                webhookConfig.lease(),
                webhookConfig.maxInFlightPerEndpoint(),
                RetrySchedule.STANDARD,
                new SplittableRandom());
        var deliveryLog = new DeliveryLog(database, clock);
        var webhookSender = new WebhookSender(
                deliveryStore, webhookUrls, webhookConfig, clock, new WebhookMetrics(meters, deliveryLog, clock));
        return new WebhookDelivery(webhookConfig, webhookUrls, webhookStore, deliveryStore, deliveryLog, webhookSender);
    }
}
