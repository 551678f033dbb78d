package io.batchcall.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.IdSource;
import io.batchcall.support.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A call-event group's statements are planned without their values ({@link AttemptLifecycle#planWithoutValues}). In
 * a batch's first seconds the statistics have seen no recipient dispatched: planned with the values, the move to
 * initiated expects one recipient to match {@code status = 'dispatched'}, reads recipients whole and joins every row
 * it finds to every key. Planned without them, it reads each key's recipient by primary key.
 */
class LifecycleGenericPlanTest {
    private static final Pattern NAMED = Pattern.compile("(?<![:\\w]):([a-zA-Z]\\w*)");
    private static final int RECIPIENTS = 20_000;
    private static final int GROUP = 300;

    private final Clock clock = Clock.systemUTC();
    private final IdSource ids = IdSource.secure();
    private Database database;
    private StoreSeed seed;

    @BeforeEach
    void statisticsThatSawPendingAndFinishedRecipientsOnly() {
        database = Database.connect(
                TestDatabase.freshDatabaseUrl(), Optional.of("postgres"), Optional.empty(), new SimpleMeterRegistry());
        seed = StoreSeed.create(database, clock, ids, "moves", 20);
        seed.submit(database, clock, ids, StoreSeed.lettered("a"));
        database.jdbi().useHandle(h -> {
            h.execute("ALTER TABLE recipients SET (autovacuum_enabled = false)");
            // Copies of the one real recipient: half of them waiting, half finished, as a table looks when a
            // batch has just been submitted beside finished ones (its batch key checked off for the copies only).
            h.execute("SET session_replication_role = replica");
            h.createUpdate("""
                            INSERT INTO recipients (workspace_id, batch_id, id, position, phone_number, status,
                                created_at, updated_at)
                            SELECT r.workspace_id, 'btcal_copy_' || (n / 1000), 'rcp_copy_' || n, n, '+1415' || (5550000 + n),
                                CASE WHEN n % 2 = 0 THEN 'pending' ELSE 'completed' END, now(), now()
                            FROM recipients r, generate_series(1, :copies) AS n""").bind("copies", RECIPIENTS).execute();
            h.execute("SET session_replication_role = DEFAULT");
            h.execute("ANALYZE recipients");
        });
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void the_move_to_initiated_reads_its_recipients_by_primary_key_before_the_statistics_saw_one_dispatched() {
        var plans = database.jdbi().inTransaction(h -> {
            prepare(h, AttemptProgress.MOVE_RECIPIENTS);
            var withValues = explainExecute(h);
            AttemptLifecycle.planWithoutValues(h);
            var withoutValues = explainExecute(h);
            return List.of(withValues, withoutValues);
        });

        assertThat(PlanReads.of(plans.get(0), "recipients"))
                .as("planned with its values, as it was")
                .contains("Seq Scan");
        assertThat(PlanReads.of(plans.get(1), "recipients"))
                .as("planned without them")
                .containsOnly("recipients_pkey");
    }

    /** PREPAREs the statement, its named parameters numbered in order of first use, with their types. */
    private static void prepare(Handle handle, String sql) {
        var types = Map.of("status", "text", "now", "timestamptz");
        var order = new LinkedHashMap<String, Integer>();
        var matcher = NAMED.matcher(sql);
        var positional = new StringBuilder();
        while (matcher.find()) {
            int number = order.computeIfAbsent(matcher.group(1), name -> order.size() + 1);
            matcher.appendReplacement(positional, "\\$" + number);
        }
        matcher.appendTail(positional);
        assertThat(order.keySet())
                .containsExactly(
                        "status", "now", "workspaceIds", "batchIds", "ids", "attemptIds", "conversationIds", "earlier");
        var declared = order.keySet().stream()
                .map(name -> types.getOrDefault(name, "text[]"))
                .collect(Collectors.joining(", "));
        handle.execute("PREPARE move (" + declared + ") AS " + positional);
    }

    /** The plan of a group of {@link #GROUP} recipients' move from dispatched to initiated. */
    private String explainExecute(Handle handle) {
        var keys =
                IntStream.range(0, GROUP).mapToObj(n -> "rcp_copy_" + (n * 2)).toList();
        var workspaces = keys.stream().map(k -> seed.workspace().value()).toList();
        var batches = IntStream.range(0, GROUP)
                .mapToObj(n -> "btcal_copy_" + (n * 2 / 1000))
                .toList();
        return handle.createQuery("EXPLAIN (FORMAT JSON) EXECUTE move ('initiated', now(), " + array(workspaces)
                        + ", " + array(batches) + ", " + array(keys) + ", " + array(keys) + ", " + array(keys)
                        + ", '{dispatched}')")
                .mapTo(String.class)
                .one();
    }

    /** Our own ids as a text[] literal (letters, digits and underscores only). */
    private static String array(List<String> values) {
        values.forEach(v -> assertThat(v).matches("\\w+"));
        return "'{" + String.join(",", values) + "}'::text[]";
    }
}
