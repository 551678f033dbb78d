package io.batchcall.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.BatchRules;
import io.batchcall.domain.CallingWindows;
import io.batchcall.domain.NewBatch;
import io.batchcall.domain.NewRecipient;
import io.batchcall.domain.Provider;
import io.batchcall.domain.TelephonyCallConfig;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.support.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The campaign rules at claim time, on the engine with the simulator, a mutable clock and real PostgreSQL: do-not-call
 * lists and opt-outs skip, a closed calling window holds, frequency caps hold across batches, and every dial's
 * attempt says what allowed it.
 */
class ClaimGateTest {
    private static final String TALK = "{\"sim_outcome\":\"completed\",\"sim_ring_ms\":100,\"sim_talk_ms\":1000}";
    private static final String WINDOW = "{\"days\":[\"mon\"],\"start\":\"09:00\",\"end\":\"20:00\"}";
    private static final ZoneId NIGHT = ZoneId.of("Asia/Tokyo");
    private static final ZoneId DAY = ZoneId.of("Europe/London");

    private Engine engine;
    private WorkspaceId workspace;
    private String agent;
    private String number;

    private void start(CallingWindows windows) {
        engine = Engine.start(TestDatabase.freshDatabaseUrl(), windows);
        workspace = engine.workspace(20);
        agent = engine.agent(workspace, Optional.empty());
        number = engine.number(workspace, Provider.SIMULATOR, "1000");
    }

    @AfterEach
    void stop() {
        engine.close();
    }

    /** A batch of recipients (number to time zone, empty for none) under a calling window when {@code window}. */
    private String submit(Map<String, Optional<String>> recipients, Optional<String> window) {
        return submit(recipients, window, Optional.empty());
    }

    private String submit(
            Map<String, Optional<String>> recipients, Optional<String> window, Optional<Instant> expires) {
        var list = recipients.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(e -> new NewRecipient(
                        "r" + e.getKey(),
                        Optional.of(e.getKey()),
                        Optional.empty(),
                        Optional.of("{\"dynamic_variables\":" + TALK + "}"),
                        e.getValue(),
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
                engine.clock.instant(),
                list,
                new BatchRules(Optional.empty(), window, expires));
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

    private void sql(String statement) {
        engine.jdbi.useHandle(h -> h.createUpdate(statement).execute());
    }

    @Test
    void a_number_on_a_do_not_call_list_or_opted_out_ends_cancelled_without_an_attempt_while_the_others_are_called() {
        start(CallingWindows.NONE);
        sql("INSERT INTO suppression_lists (workspace_id, id, name, created_at, updated_at) VALUES ('"
                + workspace.value() + "', 'sl_1', 'dnc', now(), now())");
        sql("INSERT INTO suppression_entries (workspace_id, list_id, number, is_prefix, source, created_at) VALUES ('"
                + workspace.value() + "', 'sl_1', '+1201', true, 'import', now())");
        sql("INSERT INTO opt_outs (workspace_id, id, number, channel, created_at) VALUES ('" + workspace.value()
                + "', 'oo_1', '+14155550002', 'api', now())");
        var batch = submit(
                Map.of(
                        "+12015550001",
                        Optional.empty(),
                        "+14155550002",
                        Optional.empty(),
                        "+14155550003",
                        Optional.empty()),
                Optional.empty());

        engine.runUntilIdle(Duration.ofMillis(100), 1_000);

        assertThat(recipient(batch, "+12015550001", "status")).isEqualTo("cancelled");
        assertThat(recipient(batch, "+12015550001", "skip_reason")).isEqualTo("dnc");
        assertThat(attempts(batch, "+12015550001")).isZero();
        assertThat(recipient(batch, "+14155550002", "status")).isEqualTo("cancelled");
        assertThat(recipient(batch, "+14155550002", "skip_reason")).isEqualTo("opted_out");
        assertThat(attempts(batch, "+14155550002")).isZero();
        assertThat(recipient(batch, "+14155550003", "status")).isEqualTo("completed");
        assertThat(engine.batchStatus(batch)).isEqualTo("completed");
        assertThat(events("recipient.cancelled", batch)).isEqualTo(2);
    }

    @Test
    void a_closed_window_holds_its_recipient_until_it_opens_while_an_open_window_recipient_of_the_batch_is_called() {
        var opens = Instant.parse("2026-11-29T23:00:00Z");
        start(new ClosedIn(NIGHT, opens));
        var batch = submit(
                Map.of("+14155550001", Optional.of(NIGHT.getId()), "+14155550002", Optional.of(DAY.getId())),
                Optional.of(WINDOW));

        engine.runUntilIdle(Duration.ofMillis(100), 1_000);

        assertThat(recipient(batch, "+14155550002", "status")).isEqualTo("completed");
        assertThat(recipient(batch, "+14155550001", "status")).isEqualTo("pending");
        assertThat(recipient(batch, "+14155550001", "hold_reason")).isEqualTo("outside_window");
        assertThat(engine.one(
                                "SELECT next_attempt_at FROM recipients WHERE batch_id = :b AND phone_number = '+14155550001'",
                                java.time.OffsetDateTime.class,
                                "b",
                                batch)
                        .toInstant())
                .isEqualTo(opens);
        assertThat(recipient(batch, "+14155550001", "resolved_timezones")).isEqualTo("{Asia/Tokyo}");
        assertThat(recipient(batch, "+14155550001", "timezone_source")).isEqualTo("recipient");
        assertThat(attempts(batch, "+14155550001")).isZero();
        assertThat(engine.batchStatus(batch)).isEqualTo("in_progress");
        assertThat(events("recipient.held", batch)).isEqualTo(1);

        engine.timers.advance(Duration.between(engine.clock.instant(), opens).minusSeconds(1));
        engine.runSteps(Duration.ofMillis(100), 5);
        assertThat(attempts(batch, "+14155550001"))
                .as("still closed a second before it opens")
                .isZero();

        engine.timers.advance(Duration.ofSeconds(1));
        engine.runUntilIdle(Duration.ofMillis(100), 1_000);

        assertThat(recipient(batch, "+14155550001", "status")).isEqualTo("completed");
        assertThat(recipient(batch, "+14155550001", "hold_reason")).isNull();
        assertThat(engine.batchStatus(batch)).isEqualTo("completed");
        assertThat(events("recipient.held", batch)).as("held once").isEqualTo(1);
    }

    @Test
    void every_dial_records_the_number_the_local_time_the_zone_and_the_rules_that_allowed_it() {
        start(new ClosedIn(NIGHT, Instant.parse("2026-11-29T23:00:00Z")));
        var batch = submit(
                Map.of("+14155550001", Optional.of(DAY.getId()), "+14155550002", Optional.empty()),
                Optional.of(WINDOW));

        engine.runUntilIdle(Duration.ofMillis(100), 1_000);

        var rows = engine.jdbi.withHandle(
                h -> h.createQuery("""
                        SELECT to_number, local_time, timezone, policy FROM attempts WHERE batch_id = :b
                        ORDER BY to_number""").bind("b", batch).mapToMap().list());
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0))
                .containsEntry("to_number", "+14155550001")
                .containsEntry("local_time", "2026-11-29T10:00")
                .containsEntry("timezone", "Europe/London")
                .containsEntry("policy", "test window mon 09:00-20:00");
        // No zone known and none needed: the number and the rules are still recorded.
        assertThat(rows.get(1))
                .containsEntry("to_number", "+14155550002")
                .containsEntry("local_time", null)
                .containsEntry("timezone", null)
                .containsEntry("policy", "test window mon 09:00-20:00");
    }

    @Test
    void a_cap_of_one_call_a_day_lets_only_one_of_two_batches_call_a_number_until_the_day_has_passed() {
        start(CallingWindows.NONE);
        sql("UPDATE workspaces SET frequency_caps = '[{\"max\": 1, \"per_seconds\": 86400}]'");
        var claimedAt = engine.clock.instant();
        var first = submit(Map.of("+14155550001", Optional.empty()), Optional.empty());
        engine.runUntilIdle(Duration.ofMillis(100), 1_000);
        var second =
                submit(Map.of("+14155550001", Optional.empty(), "+14155550002", Optional.empty()), Optional.empty());

        engine.runUntilIdle(Duration.ofMillis(100), 1_000);

        assertThat(attempts(first, "+14155550001")).isEqualTo(1);
        assertThat(attempts(second, "+14155550001")).isZero();
        assertThat(attempts(second, "+14155550002")).isEqualTo(1);
        assertThat(recipient(second, "+14155550001", "status")).isEqualTo("pending");
        assertThat(recipient(second, "+14155550001", "hold_reason")).isEqualTo("frequency_cap");
        assertThat(engine.one(
                                "SELECT next_attempt_at FROM recipients WHERE batch_id = :b AND phone_number = '+14155550001'",
                                java.time.OffsetDateTime.class,
                                "b",
                                second)
                        .toInstant())
                .isEqualTo(claimedAt.plus(Duration.ofDays(1)));
        assertThat(engine.one("SELECT policy FROM attempts WHERE batch_id = :b", String.class, "b", first))
                .isEqualTo("no calling window; frequency caps 1 per 86400 s");

        engine.timers.advance(Duration.ofHours(23));
        engine.runSteps(Duration.ofMillis(100), 5);
        assertThat(attempts(second, "+14155550001")).isZero();

        engine.timers.advance(Duration.between(engine.clock.instant(), claimedAt.plus(Duration.ofDays(1))));
        engine.runUntilIdle(Duration.ofMillis(100), 1_000);

        assertThat(attempts(second, "+14155550001")).isEqualTo(1);
        assertThat(engine.batchStatus(second)).isEqualTo("completed");
    }

    @Test
    void a_deleted_batchs_calls_still_count_against_the_cap_and_its_numbers_are_kept_only_as_hashes() {
        start(CallingWindows.NONE);
        sql("UPDATE workspaces SET frequency_caps = '[{\"max\": 1, \"per_seconds\": 86400}]'");
        var claimedAt = engine.clock.instant();
        var botched = submit(Map.of("+14155550001", Optional.empty()), Optional.empty());
        engine.runUntilIdle(Duration.ofMillis(100), 1_000);
        assertThat(attempts(botched, "+14155550001")).isEqualTo(1);

        assertThat(engine.batches.delete(workspace, botched)).isTrue();
        var corrected =
                submit(Map.of("+14155550001", Optional.empty(), "+14155550002", Optional.empty()), Optional.empty());
        engine.runUntilIdle(Duration.ofMillis(100), 1_000);

        assertThat(attempts(corrected, "+14155550001")).isZero();
        assertThat(attempts(corrected, "+14155550002")).isEqualTo(1);
        assertThat(recipient(corrected, "+14155550001", "hold_reason")).isEqualTo("frequency_cap");
        assertThat(engine.one("SELECT count(*) FROM deleted_dials", Integer.class))
                .isEqualTo(1);
        assertThat(engine.one(
                        "SELECT count(*) FROM deleted_dials d WHERE position(convert_to('4155550001', 'UTF8') IN"
                                + " d.number_hash) > 0 OR encode(d.number_hash, 'escape') LIKE '%4155550001%'",
                        Integer.class))
                .as("the number is not stored as it is")
                .isZero();

        engine.timers.advance(Duration.between(engine.clock.instant(), claimedAt.plus(Duration.ofDays(1))));
        engine.runUntilIdle(Duration.ofMillis(100), 1_000);
        assertThat(attempts(corrected, "+14155550001")).isEqualTo(1);

        assertThat(new io.batchcall.store.DeletedDials(engine.database, engine.clock).purgeExpired())
                .as("forgotten once no cap counts it")
                .isEqualTo(1);
    }

    @Test
    void under_a_frequency_cap_a_number_in_flight_in_one_batch_is_not_dialed_by_another_until_that_call_ends() {
        start(CallingWindows.NONE);
        sql("UPDATE workspaces SET frequency_caps = '[{\"max\": 1000, \"per_seconds\": 60}]'");
        var first = submit(Map.of("+14155550001", Optional.empty()), Optional.empty());
        var second = submit(Map.of("+14155550001", Optional.empty()), Optional.empty());

        engine.runUntilIdle(Duration.ofMillis(100), 1_000);

        var spans = engine.jdbi.withHandle(h -> h.createQuery("""
                        SELECT a.claimed_at, a.ended_at FROM attempts a WHERE a.to_number = '+14155550001'
                        ORDER BY a.claimed_at""")
                .map((rs, ctx) -> List.of(
                        rs.getObject(1, java.time.OffsetDateTime.class),
                        rs.getObject(2, java.time.OffsetDateTime.class)))
                .list());
        assertThat(spans).hasSize(2);
        assertThat(spans.get(1).get(0)).isAfterOrEqualTo(spans.get(0).get(1));
        assertThat(engine.batchStatus(first)).isEqualTo("completed");
        assertThat(engine.batchStatus(second)).isEqualTo("completed");
        assertThat(recipient(second, "+14155550001", "hold_reason")).isNull();
    }

    @Test
    void when_the_window_expires_its_waiting_recipients_end_cancelled_and_the_batch_completes() {
        var expires = Instant.parse("2026-11-29T12:00:00Z");
        start(new ClosedIn(NIGHT, Instant.parse("2026-11-29T23:00:00Z")));
        var sweep = new io.batchcall.store.WindowExpiry(
                engine.database, engine.clock, io.batchcall.domain.IdSource.secure());
        var batch = submit(
                Map.of("+14155550001", Optional.of(NIGHT.getId()), "+14155550002", Optional.of(DAY.getId())),
                Optional.of(WINDOW),
                Optional.of(expires));
        engine.runUntilIdle(Duration.ofMillis(100), 1_000);
        assertThat(recipient(batch, "+14155550001", "hold_reason")).isEqualTo("outside_window");

        engine.timers.advance(Duration.between(engine.clock.instant(), expires).minusSeconds(1));
        assertThat(sweep.sweep()).as("a second before the expiry").isZero();
        assertThat(recipient(batch, "+14155550001", "status")).isEqualTo("pending");

        engine.timers.advance(Duration.ofSeconds(1));
        assertThat(sweep.sweep()).isEqualTo(1);

        assertThat(recipient(batch, "+14155550001", "status")).isEqualTo("cancelled");
        assertThat(recipient(batch, "+14155550001", "skip_reason")).isEqualTo("window_expired");
        assertThat(recipient(batch, "+14155550002", "status")).isEqualTo("completed");
        assertThat(attempts(batch, "+14155550001")).isZero();
        assertThat(engine.batchStatus(batch)).isEqualTo("completed");
        assertThat(events("batch.completed", batch)).isEqualTo(1);
    }

    @Test
    void a_number_the_cap_releases_only_after_the_window_expires_is_skipped_as_exhausted() {
        start(CallingWindows.NONE);
        sql("UPDATE workspaces SET frequency_caps = '[{\"max\": 1, \"per_seconds\": 86400}]'");
        submit(Map.of("+14155550001", Optional.empty()), Optional.empty());
        engine.runUntilIdle(Duration.ofMillis(100), 1_000);
        var second = submit(
                Map.of("+14155550001", Optional.empty()),
                Optional.empty(),
                Optional.of(engine.clock.instant().plus(Duration.ofHours(12))));

        engine.runUntilIdle(Duration.ofMillis(100), 1_000);

        assertThat(recipient(second, "+14155550001", "status")).isEqualTo("cancelled");
        assertThat(recipient(second, "+14155550001", "skip_reason")).isEqualTo("frequency_cap_exhausted");
        assertThat(attempts(second, "+14155550001")).isZero();
        assertThat(engine.batchStatus(second)).isEqualTo("completed");
    }
}
