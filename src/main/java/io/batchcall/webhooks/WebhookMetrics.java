package io.batchcall.webhooks;

import io.batchcall.domain.DeliveryAttempt;
import io.batchcall.store.DeliveryLog;
import io.batchcall.store.DeliveryStore.Due;
import io.batchcall.store.DeliveryStore.Recorded;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * Webhook metrics, labelled by endpoint (a webhook id, never a workspace id): attempts by outcome, attempt latency,
 * and each endpoint's backlog and the age of its oldest open delivery. The backlog is read from the database, so
 * that every node reports the whole picture; it is refreshed after each pass at most every few seconds.
 */
public final class WebhookMetrics {
    private static final Duration BACKLOG_REFRESH = Duration.ofSeconds(5);

    private final MeterRegistry meters;
    private final DeliveryLog log;
    private final Clock clock;
    private final MultiGauge backlog;
    private final MultiGauge oldest;
    private volatile Instant backlogReadAt = Instant.MIN;

    public WebhookMetrics(MeterRegistry meters, DeliveryLog log, Clock clock) {
        this.meters = meters;
        this.log = log;
        this.clock = clock;
        this.backlog = MultiGauge.builder("batchcall.webhook.backlog")
                .description("Open deliveries (pending, in flight or held) per webhook")
                .register(meters);
        this.oldest = MultiGauge.builder("batchcall.webhook.oldest.pending")
                .baseUnit("seconds")
                .description("Age of the oldest open delivery per webhook")
                .register(meters);
    }

    void recorded(Due due, DeliveryAttempt attempt, Recorded recorded) {
        var outcome = recorded.name().toLowerCase(Locale.ROOT);
        Counter.builder("batchcall.webhook.deliveries")
                .description("Webhook attempts by what they meant for their delivery")
                .tags("endpoint", due.endpointId(), "type", due.eventType(), "outcome", outcome)
                .register(meters)
                .increment();
        Timer.builder("batchcall.webhook.attempt")
                .description("Webhook attempt latency")
                .tags("outcome", attempt.succeeded() ? "success" : "failure")
                .register(meters)
                .record(attempt.duration());
    }

    /** Re-reads the backlog when the last read is older than the refresh interval. */
    void refreshBacklog() {
        var now = clock.instant();
        if (now.isBefore(backlogReadAt.plus(BACKLOG_REFRESH)) && !backlogReadAt.equals(Instant.MIN)) {
            return;
        }
        backlogReadAt = now;
        var rows = log.backlog();
        backlog.register(
                rows.stream()
                        .map(row -> MultiGauge.Row.of(Tags.of("endpoint", row.endpointId()), row.open()))
                        .toList(),
                true);
        oldest.register(
                rows.stream()
                        .map(row -> MultiGauge.Row.of(
                                Tags.of("endpoint", row.endpointId()),
                                row.oldest()
                                        .map(at -> Math.max(
                                                        0,
                                                        Duration.between(at, now)
                                                                .toMillis())
                                                / 1000.0)
                                        .orElse(0.0)))
                        .toList(),
                true);
    }
}
