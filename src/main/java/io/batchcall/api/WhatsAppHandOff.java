package io.batchcall.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.batchcall.store.WhatsAppInbox;
import io.batchcall.telephony.whatsapp.WhatsAppEvent;
import io.batchcall.telephony.whatsapp.WhatsAppEvents;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands stored WhatsApp events to their handler, never on the webhook's request thread (Meta gives up after about
 * 20 s and redelivers). An event is marked handled only once {@link WhatsAppEvents#handle} returned; one that threw,
 * or whose node stopped before it was handled, is handed again by the drain, which every node runs.
 */
public final class WhatsAppHandOff implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WhatsAppHandOff.class);
    private static final int DRAIN_BATCH = 100;

    private final WhatsAppInbox inbox;
    private final WhatsAppEvents handler;
    private final Clock clock;
    private final ScheduledExecutorService drain;

    /** Starts the drain, which looks for events due again every {@code drainInterval}. */
    public WhatsAppHandOff(WhatsAppInbox inbox, WhatsAppEvents handler, Clock clock, Duration drainInterval) {
        this.inbox = inbox;
        this.handler = handler;
        this.clock = clock;
        this.drain = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("whatsapp-inbox-drain").daemon().factory());
        drain.scheduleWithFixedDelay(
                this::drainOnce, drainInterval.toMillis(), drainInterval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Hands events just stored (and leased to this node) to the handler on a virtual thread. */
    void handOff(List<WhatsAppInbox.Stored> stored, Map<String, WhatsAppEvent> byDedupeKey) {
        if (stored.isEmpty()) {
            return;
        }
        Thread.ofVirtual().name("whatsapp-event").start(() -> {
            for (var event : stored) {
                var parsed = byDedupeKey.get(event.dedupeKey());
                if (parsed != null) {
                    hand(event, parsed);
                }
            }
        });
    }

    private void drainOnce() {
        try {
            for (var event : inbox.claimDue(DRAIN_BATCH)) {
                var parsed = reparse(event);
                if (parsed == null) {
                    // Nothing in the body carries this key any more (cannot happen with one parser): stop handing it.
                    inbox.handled(event.id());
                } else {
                    hand(event, parsed);
                }
            }
        } catch (RuntimeException e) {
            // The database may be away for a moment; the next round tries again.
            log.warn("WhatsApp inbox drain failed: {}", e.toString());
        }
    }

    private void hand(WhatsAppInbox.Stored event, WhatsAppEvent parsed) {
        try {
            handler.handle(parsed);
        } catch (RuntimeException e) {
            log.warn(
                    "WhatsApp event handling failed workspaceId={} event={} attempt={}: {}",
                    event.workspaceId(),
                    event.dedupeKey(),
                    event.attempt(),
                    e.toString());
            inbox.failed(event, e.toString());
            return;
        }
        inbox.handled(event.id());
    }

    private WhatsAppEvent reparse(WhatsAppInbox.Stored event) {
        try {
            return WhatsAppWebhookPayloads.parse(Json.MAPPER.readTree(event.body()), clock.instant()).stream()
                    .filter(e -> e.dedupeKey().equals(event.dedupeKey()))
                    .findFirst()
                    .orElse(null);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    @Override
    public void close() {
        drain.shutdownNow();
    }
}
