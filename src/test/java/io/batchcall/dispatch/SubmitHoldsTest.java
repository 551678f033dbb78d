package io.batchcall.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.BatchRules;
import io.batchcall.domain.NewBatch;
import io.batchcall.domain.NewRecipient;
import io.batchcall.domain.Provider;
import io.batchcall.domain.TelephonyCallConfig;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.support.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Holds at submit: a batch due at once has the recipients its calling window holds written held in the submit's
 * transaction, as its first claim would have written them (reason, time, zones, one {@code recipient.held} event),
 * so that claims never meet them; what the submit does not judge (a later schedule, a suppressed number) is left to
 * the claim as before.
 */
class SubmitHoldsTest {
    private static final String TALK = "{\"sim_outcome\":\"completed\",\"sim_ring_ms\":100,\"sim_talk_ms\":1000}";
    private static final String WINDOW = "{\"days\":[\"mon\"],\"start\":\"09:00\",\"end\":\"20:00\"}";
    private static final ZoneId NIGHT = ZoneId.of("Asia/Tokyo");
    private static final ZoneId DAY = ZoneId.of("Europe/London");
    private static final Instant OPENS = Instant.parse("2026-11-29T23:00:00Z");

    private Engine engine;
    private WorkspaceId workspace;
    private String agent;
    private String number;

    @BeforeEach
    void start() {
        engine = Engine.start(TestDatabase.freshDatabaseUrl(), new ClosedIn(NIGHT, OPENS));
        workspace = engine.workspace(20);
        agent = engine.agent(workspace, Optional.empty());
        number = engine.number(workspace, Provider.SIMULATOR, "1000");
    }

    @AfterEach
    void stop() {
        engine.close();
    }

    private String submit(Instant scheduledAt) {
        var list = Map.of("+14155550001", NIGHT, "+14155550002", DAY).entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(e -> new NewRecipient(
                        "r" + e.getKey(),
                        Optional.of(e.getKey()),
                        Optional.empty(),
                        Optional.of("{\"dynamic_variables\":" + TALK + "}"),
                        Optional.of(e.getValue().getId()),
                        Optional.empty()))
                .toList();
        var batch = new NewBatch(
                "batch",
                agent,
                Optional.empty(),
                Optional.of(number),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                new TelephonyCallConfig(30, false, Optional.empty()),
                Optional.empty(),
                scheduledAt,
                list,
                new BatchRules(Optional.empty(), Optional.of(WINDOW), Optional.empty()));
        var result = engine.batches.submit(workspace, batch, Optional.empty());
        return ((io.batchcall.store.Idempotent.Done<io.batchcall.domain.BatchSummary>) result)
                .value()
                .batch()
                .id();
    }

    private String recipient(String batch, String phone, String column) {
        return engine.one(
                "SELECT " + column + "::text FROM recipients WHERE batch_id = :b AND phone_number = :p",
                String.class,
                "b",
                batch,
                "p",
                phone);
    }

    private Instant nextAttempt(String batch, String phone) {
        return engine.one(
                        "SELECT next_attempt_at FROM recipients WHERE batch_id = :b AND phone_number = :p",
                        OffsetDateTime.class,
                        "b",
                        batch,
                        "p",
                        phone)
                .toInstant();
    }

    private int attempts(String batch, String phone) {
        return engine.one(
                "SELECT count(*) FROM attempts a JOIN recipients r ON r.batch_id = a.batch_id AND r.id = a.recipient_id"
                        + " WHERE a.batch_id = :b AND r.phone_number = :p",
                Integer.class,
                "b",
                batch,
                "p",
                phone);
    }

    private int events(String type, String batch) {
        return engine.one(
                "SELECT count(*) FROM events WHERE type = :t AND batch_id = :b", Integer.class, "t", type, "b", batch);
    }

    @Test
    void a_batch_due_at_once_has_its_closed_window_recipient_held_by_the_submit_and_no_claim_writes_it_again() {
        var batch = submit(engine.clock.instant());

        // Before any claim: held as the claim would have held it.
        assertThat(recipient(batch, "+14155550001", "status")).isEqualTo("pending");
        assertThat(recipient(batch, "+14155550001", "hold_reason")).isEqualTo("outside_window");
        assertThat(nextAttempt(batch, "+14155550001")).isEqualTo(OPENS);
        assertThat(recipient(batch, "+14155550001", "resolved_timezones")).isEqualTo("{Asia/Tokyo}");
        assertThat(recipient(batch, "+14155550001", "timezone_source")).isEqualTo("recipient");
        assertThat(events("recipient.held", batch)).isEqualTo(1);
        assertThat(recipient(batch, "+14155550002", "hold_reason")).isNull();
        assertThat(recipient(batch, "+14155550002", "next_attempt_at")).isNull();

        engine.runUntilIdle(Duration.ofMillis(100), 1_000);

        assertThat(recipient(batch, "+14155550002", "status")).isEqualTo("completed");
        assertThat(recipient(batch, "+14155550001", "status")).isEqualTo("pending");
        assertThat(attempts(batch, "+14155550001")).isZero();
        assertThat(engine.batchStatus(batch)).isEqualTo("in_progress");
        assertThat(events("recipient.held", batch))
                .as("held once, by the submit")
                .isEqualTo(1);

        engine.timers.advance(Duration.between(engine.clock.instant(), OPENS));
        engine.runUntilIdle(Duration.ofMillis(100), 1_000);

        assertThat(recipient(batch, "+14155550001", "status")).isEqualTo("completed");
        assertThat(recipient(batch, "+14155550001", "hold_reason")).isNull();
        assertThat(engine.batchStatus(batch)).isEqualTo("completed");
        assertThat(events("recipient.held", batch)).isEqualTo(1);
    }

    @Test
    void a_batch_scheduled_later_is_judged_by_its_first_claim_not_by_the_submit() {
        var batch = submit(engine.clock.instant().plus(Duration.ofHours(1)));

        assertThat(recipient(batch, "+14155550001", "hold_reason")).isNull();
        assertThat(events("recipient.held", batch)).isZero();

        engine.timers.advance(Duration.ofHours(1));
        engine.runUntilIdle(Duration.ofMillis(100), 1_000);

        assertThat(recipient(batch, "+14155550001", "hold_reason")).isEqualTo("outside_window");
        assertThat(nextAttempt(batch, "+14155550001")).isEqualTo(OPENS);
        assertThat(recipient(batch, "+14155550002", "status")).isEqualTo("completed");
        assertThat(events("recipient.held", batch)).isEqualTo(1);
    }

    @Test
    void an_opted_out_number_in_a_closed_window_is_not_held_but_cancelled_by_the_claim_as_before() {
        engine.jdbi.useHandle(h -> h.createUpdate("INSERT INTO opt_outs (workspace_id, id, number, channel, created_at)"
                        + " VALUES (:w, 'oo_1', '+14155550001', 'api', now())")
                .bind("w", workspace.value())
                .execute());
        var batch = submit(engine.clock.instant());

        assertThat(recipient(batch, "+14155550001", "hold_reason")).isNull();
        assertThat(events("recipient.held", batch)).isZero();

        engine.runUntilIdle(Duration.ofMillis(100), 1_000);

        assertThat(recipient(batch, "+14155550001", "status")).isEqualTo("cancelled");
        assertThat(recipient(batch, "+14155550001", "skip_reason")).isEqualTo("opted_out");
        assertThat(attempts(batch, "+14155550001")).isZero();
        assertThat(engine.batchStatus(batch)).isEqualTo("completed");
    }
}
