package io.batchcall.store;

import io.batchcall.domain.DeliveryAttempt;
import io.batchcall.domain.EndpointHealth;
import io.batchcall.domain.RetrySchedule;
import io.batchcall.store.DeliveryStore.Due;
import io.batchcall.store.DeliveryStore.Recorded;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * What one send attempt means, decided and written in the attempt's transaction: the attempt's log row, the
 * delivery's next state (delivered, retried on the schedule, given up, held) and the endpoint's health, up to
 * disabling it and telling the workspace so.
 */
final class DeliveryRecording {
    private final Jdbi jdbi;
    private final Clock clock;
    private final String nodeId;
    private final RetrySchedule schedule;
    private final RandomGenerator random;
    private final Outbox outbox;

    DeliveryRecording(
            Jdbi jdbi, Clock clock, String nodeId, RetrySchedule schedule, RandomGenerator random, Outbox outbox) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.nodeId = nodeId;
        this.schedule = schedule;
        this.random = random;
        this.outbox = outbox;
    }

    /**
     * Records one attempt and decides, in one transaction, what it means: a 2xx delivers and resets the endpoint's
     * failure count; anything else counts a failure, then disables the endpoint (410, or ElevenLabs' rule) and
     * holds its deliveries, or schedules the next attempt, or gives the delivery up when the schedule is used up
     * or the endpoint's retries are off.
     */
    Recorded record(Due due, DeliveryAttempt attempt) {
        var now = clock.instant();
        return jdbi.inTransaction(handle -> {
            insertAttempt(handle, due, attempt);
            var answered = attempt.result() instanceof DeliveryAttempt.Result.Answered a
                    ? Optional.of(a)
                    : Optional.<DeliveryAttempt.Result.Answered>empty();
            var error = switch (attempt.result()) {
                case DeliveryAttempt.Result.Answered a ->
                    a.status() >= 200 && a.status() < 300 ? null : "HTTP " + a.status();
                case DeliveryAttempt.Result.NoAnswer n -> n.errorClass() + ": " + n.error();
            };
            if (attempt.succeeded()) {
                handle.createUpdate("""
                                UPDATE webhook_endpoints SET consecutive_failures = 0, last_success_at = :now
                                WHERE workspace_id = :workspace AND id = :endpoint""")
                        .bind("workspace", due.workspace().value())
                        .bind("endpoint", due.endpointId())
                        .bind("now", Rows.at(now))
                        .execute();
                return moveDelivery(handle, due, "succeeded", now, answered.map(a -> a.status()), null, now)
                        ? Recorded.SUCCEEDED
                        : Recorded.STALE;
            }
            var endpoint = handle.createQuery("""
                            UPDATE webhook_endpoints
                               SET consecutive_failures = consecutive_failures + 1,
                                   most_recent_failure_error_code = :status, most_recent_failure_at = :now
                             WHERE workspace_id = :workspace AND id = :endpoint
                            RETURNING consecutive_failures, last_success_at, retry_enabled, is_auto_disabled""")
                    .bind("workspace", due.workspace().value())
                    .bind("endpoint", due.endpointId())
                    .bind("status", attempt.status().orElse(null))
                    .bind("now", Rows.at(now))
                    .map((rs, ctx) -> new EndpointAfterFailure(
                            new EndpointHealth(
                                    rs.getInt("consecutive_failures"), Rows.optionalInstant(rs, "last_success_at")),
                            rs.getBoolean("retry_enabled"),
                            rs.getBoolean("is_auto_disabled")))
                    .one();
            var status = attempt.status();
            boolean disable = !endpoint.autoDisabled()
                    && (attempt.gone() || endpoint.health().shouldAutoDisable(now));
            if (disable || endpoint.autoDisabled()) {
                if (disable) {
                    disableAndHold(handle, due, attempt.gone() ? "gone" : "failures", endpoint, now);
                }
                return moveDelivery(handle, due, "held", now, status, error, null) ? Recorded.HELD : Recorded.STALE;
            }
            var delay = endpoint.retryEnabled() && !due.eventType().equals("webhook.test")
                    ? schedule.delayAfter(due.attempt(), attempt.retryAfter(), random)
                    : Optional.<Duration>empty();
            if (delay.isPresent()) {
                return moveDelivery(handle, due, "pending", now.plus(delay.get()), status, error, null)
                        ? Recorded.RETRYING
                        : Recorded.STALE;
            }
            return moveDelivery(handle, due, "failed", now, status, error, null) ? Recorded.FAILED : Recorded.STALE;
        });
    }

    private record EndpointAfterFailure(EndpointHealth health, boolean retryEnabled, boolean autoDisabled) {}

    /**
     * Disables the endpoint, holds its pending deliveries, and writes {@code webhook.endpoint_disabled} (to the
     * workspace's webhooks that subscribe to {@code webhook.*}), all in the attempt's transaction.
     */
    private void disableAndHold(Handle handle, Due due, String reason, EndpointAfterFailure endpoint, Instant now) {
        handle.createUpdate("""
                        UPDATE webhook_endpoints SET is_auto_disabled = true, disabled_reason = :reason
                        WHERE workspace_id = :workspace AND id = :endpoint""")
                .bind("workspace", due.workspace().value())
                .bind("endpoint", due.endpointId())
                .bind("reason", reason)
                .execute();
        handle.createUpdate("""
                        UPDATE webhook_deliveries SET state = 'held'
                        WHERE workspace_id = :workspace AND endpoint_id = :endpoint AND state = 'pending'""")
                .bind("workspace", due.workspace().value())
                .bind("endpoint", due.endpointId())
                .execute();
        var data = new java.util.LinkedHashMap<String, Object>();
        data.put("webhook_id", due.endpointId());
        data.put("reason", reason);
        data.put("consecutive_failures", endpoint.health().consecutiveFailures());
        data.put(
                "last_success_at_unix",
                endpoint.health().lastSuccessAt().map(Instant::getEpochSecond).orElse(null));
        data.put("disabled_at_unix", now.getEpochSecond());
        outbox.append(
                handle,
                List.of(new Outbox.Event(
                        due.workspace(),
                        "webhook.endpoint_disabled",
                        "webhook:" + due.endpointId(),
                        null,
                        null,
                        null,
                        null,
                        data)),
                now);
    }

    /** Moves a delivery this node holds the lease of; false when the lease was taken back meanwhile. */
    private boolean moveDelivery(
            Handle handle,
            Due due,
            String state,
            Instant nextAttemptAt,
            Optional<Integer> status,
            String error,
            Instant deliveredAt) {
        return handle.createUpdate("""
                        UPDATE webhook_deliveries
                           SET state = :state, next_attempt_at = :next, lease_owner = NULL, lease_until = NULL,
                               last_status = :status, last_error = :error,
                               delivered_at = COALESCE(:deliveredAt, delivered_at)
                         WHERE workspace_id = :workspace AND endpoint_id = :endpoint AND event_seq = :seq
                           AND state = 'in_flight' AND lease_owner = :node AND attempts = :attempt""")
                        .bind("state", state)
                        .bind("next", Rows.at(nextAttemptAt))
                        .bind("status", status.orElse(null))
                        .bind("error", error)
                        .bind("deliveredAt", Rows.at(deliveredAt))
                        .bind("workspace", due.workspace().value())
                        .bind("endpoint", due.endpointId())
                        .bind("seq", due.eventSeq())
                        .bind("node", nodeId)
                        .bind("attempt", due.attempt())
                        .execute()
                == 1;
    }

    private void insertAttempt(Handle handle, Due due, DeliveryAttempt attempt) {
        String errorClass = null;
        String error = null;
        String excerpt = null;
        Integer status = null;
        switch (attempt.result()) {
            case DeliveryAttempt.Result.Answered a -> {
                status = a.status();
                excerpt = a.excerpt();
                errorClass = a.status() >= 200 && a.status() < 300 ? null : "http";
            }
            case DeliveryAttempt.Result.NoAnswer n -> {
                errorClass = n.errorClass();
                error = n.error();
            }
        }
        handle.createUpdate("""
                        INSERT INTO webhook_attempts (workspace_id, endpoint_id, event_seq, attempt, node_id,
                            started_at, duration_ms, status_code, error_class, error, response_excerpt, signed_at)
                        VALUES (:workspace, :endpoint, :seq, :attempt, :node, :startedAt, :durationMs, :status,
                            :errorClass, :error, :excerpt, :signedAt)""")
                .bind("workspace", due.workspace().value())
                .bind("endpoint", due.endpointId())
                .bind("seq", due.eventSeq())
                .bind("attempt", attempt.number())
                .bind("node", nodeId)
                .bind("startedAt", Rows.at(attempt.startedAt()))
                .bind("durationMs", (int)
                        Math.min(Integer.MAX_VALUE, attempt.duration().toMillis()))
                .bind("status", status)
                .bind("errorClass", errorClass)
                .bind("error", error)
                .bind("excerpt", excerpt)
                .bind("signedAt", attempt.signedAt())
                .execute();
    }
}
