package io.batchcall.dispatch;

import io.batchcall.store.DeletedDials;
import io.batchcall.store.IdempotencyStore;
import io.batchcall.store.WindowExpiry;
import io.batchcall.store.WorkspaceStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Periodic chores that no request waits for: expired Idempotency-Keys are deleted, recipients still waiting when
 * their batch's calling window expired are cancelled (within the period of the expiry), deleted batches' dials are
 * forgotten once no frequency cap or daily limit counts them, and the per-workspace
 * calls-in-flight gauge is refreshed from the database's counters (the whole cluster's truth, not this node's).
 */
public final class Housekeeping implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Housekeeping.class);
    private static final Duration PERIOD = Duration.ofSeconds(10);

    private final IdempotencyStore idempotency;
    private final WorkspaceStore workspaces;
    private final WindowExpiry windowExpiry;
    private final DeletedDials deletedDials;
    private final MultiGauge inFlight;
    private ScheduledExecutorService scheduler;

    public Housekeeping(
            IdempotencyStore idempotency,
            WorkspaceStore workspaces,
            WindowExpiry windowExpiry,
            DeletedDials deletedDials,
            MeterRegistry meters) {
        this.idempotency = idempotency;
        this.deletedDials = deletedDials;
        this.windowExpiry = windowExpiry;
        this.workspaces = workspaces;
        this.inFlight = MultiGauge.builder("batchcall.workspace.calls.in.flight")
                .description("Calls in flight per workspace, across all nodes")
                .register(meters);
    }

    public void runOnce() {
        idempotency.deleteExpired();
        deletedDials.purgeExpired();
        int expired = windowExpiry.sweep();
        if (expired > 0) {
            log.info("Calling windows expired; waiting recipients cancelled recipients={}", expired);
        }
        inFlight.register(
                workspaces.callsInFlight().entrySet().stream()
                        .map(entry -> MultiGauge.Row.of(
                                Tags.of("workspace", entry.getKey().value()), entry.getValue()))
                        .toList(),
                true);
    }

    public Housekeeping start() {
        scheduler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("batchcall-housekeeping").daemon(true).factory());
        scheduler.scheduleWithFixedDelay(
                () -> {
                    try {
                        runOnce();
                    } catch (RuntimeException e) {
                        log.warn("Housekeeping failed, retrying at the next round error={}", e.toString());
                    }
                },
                0,
                PERIOD.toMillis(),
                TimeUnit.MILLISECONDS);
        return this;
    }

    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }
}
