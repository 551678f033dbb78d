package io.batchcall.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The floor of batchcall's rows: what plain JDBC reaches on this database when it writes, per recipient, the rows
 * batchcall's dispatch writes, in tables with batchcall's own columns, indexes and checks (schema
 * {@code bench_model}, each table made {@code LIKE} batchcall's {@code INCLUDING ALL}), with the fewest round trips
 * the write model allows. {@link FloorBaseline} writes what any dispatcher must (6 row versions a recipient);
 * batchcall writes about 22, and this says what those 22 cost by themselves, with none of batchcall's code: no
 * limits, leases, dial gate, counters or JSON of its own, one statement per step.
 *
 * <p>Per recipient, as batchcall's dispatch of a zero-length call writes them ({@link TableWrites} shows the two
 * side by side): the recipient inserted and moved four times (dispatched, initiated, in progress, completed); its
 * attempt inserted and moved three times (ringing, answered, ended); its conversation inserted with its three
 * dynamic variables' rows and moved three times (in progress, done, its post-call transcription sent); a post-call
 * queue row inserted at the end and deleted when the transcription is sent; and an event of about 1.2 KB per
 * recipient move and for the transcription (five). Each step commits as batchcall's does, because crash safety needs
 * it: the claim before the dial, the provider's acceptance (the call's id) once it is known, the answer and the end
 * together (a zero-length call's answer and end share a group in batchcall too), the transcription's sending on its
 * own. Left out, so that this stays a floor: the rows batchcall writes per claim or per group rather than per
 * recipient (batches, workspaces, agents, numbers: about 0.06 a recipient), foreign keys and triggers ({@code LIKE}
 * copies neither; their costs were not measurable, see docs/performance.md, Dispatch, profiled), and the transcription's
 * 30 s wait (sent at once here, so its work falls inside the measured run, as a steady stream of calls has it).
 *
 * <p>Workers as the floor's: four, each keeping its share of the concurrency in flight, claim, then record the
 * acceptance, then the answer and end, then send the transcriptions, until nothing is pending.
 */
final class ModelFloor {
    private static final int WORKERS = 4;
    private static final String WORKSPACE = "ws_benchmodelfloor0000000000000";
    private static final String AGENT = "agent_benchmodelfloor000000000";
    private static final String NUMBER = "phnum_benchmodelfloor0000000000";
    /** Event bodies as long as batchcall's recipient events (1,160 to 1,260 characters in a quick run). */
    private static final int EVENT_LENGTH = 1_200;
    private static final List<String> TABLES = List.of("recipients", "attempts", "conversations",
            "conversation_variables", "events", "post_call_queue");

    private final BenchDatabase database;
    private final Sizes sizes;
    /** The server's PostgreSQL's CPU time so far. */
    private final java.util.function.Supplier<Duration> databaseCpu;

    ModelFloor(BenchDatabase database, Sizes sizes, java.util.function.Supplier<Duration> databaseCpu) {
        this.database = database;
        this.sizes = sizes;
        this.databaseCpu = databaseCpu;
    }

    /**
     * Its dispatch, and its inserts of the recipients a second (the floor's result, in its shape): batchcall's
     * recipient rows and indexes written by one plain statement per 10,000, which is what a submit's rows cost alone.
     */
    FloorBaseline.Result run() {
        int recipients = sizes.dispatchRecipients();
        try (var connection = database.connection(); var statement = connection.createStatement()) {
            statement.execute("DROP SCHEMA IF EXISTS bench_model CASCADE");
            statement.execute("CREATE SCHEMA bench_model");
            for (var table : TABLES) {
                statement.execute("CREATE TABLE bench_model.%s (LIKE public.%s INCLUDING ALL)".formatted(table, table));
                // Storage settings too (batchcall's autovacuum and analyze thresholds), which LIKE does not copy.
                try (var options = statement.executeQuery(
                        "SELECT array_to_string(reloptions, ', ') FROM pg_class WHERE oid = 'public.%s'::regclass"
                                .formatted(table))) {
                    options.next();
                    var set = options.getString(1);
                    if (set != null && !set.isEmpty()) {
                        statement.execute("ALTER TABLE bench_model.%s SET (%s)".formatted(table, set));
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("the model floor's schema could not be made", e);
        }
        var cpu = new ProcessCpu.Meter(databaseCpu);
        cpu.start();
        double insertSeconds = insert(recipients);
        cpu.stop();

        var before = database.transactions(sizes.statsSettle());
        cpu.start();
        long started = System.nanoTime();
        int perWorker = Math.max(1, sizes.dispatchConcurrency() / WORKERS);
        Workers.dispatchAll("the floor of batchcall's rows", WORKERS, recipients, () -> dispatch(perWorker));
        var elapsed = Duration.ofNanos(System.nanoTime() - started);
        cpu.stop();
        var after = database.transactions(sizes.statsSettle());
        // The schema was made for this run: its counters are all it wrote, the recipients' insert included; and its
        // CPU, the insert's (with the statistics it takes after, as a submit does) and the dispatch's.
        return new FloorBaseline.Result(new DispatchScenario.Rate(recipients, elapsed, after.minus(before),
                database.tableWrites("bench_model"), java.util.Optional.of(cpu.used())), recipients / insertSeconds);
    }

    /**
     * The submit's share: batchcall's recipient rows (three dynamic variables each), 10,000 per statement. Returns the
     * seconds the statements took (the arrays built before each, the analyze after them, not counted).
     */
    private double insert(int recipients) {
        long spent = 0;
        try (var connection = database.connection(); var insert = connection.prepareStatement("""
                INSERT INTO bench_model.recipients (workspace_id, batch_id, id, position, phone_number, client_data,
                    status, created_at, updated_at, timezone_source)
                SELECT ?, ?, r.id, r.position, r.phone_number, CAST(r.client_data AS json), 'pending', now(), now(),
                    'number'
                FROM unnest(?::text[], ?::integer[], ?::text[], ?::text[])
                    AS r(id, position, phone_number, client_data)""")) {
            for (int start = 0, batch = 0; start < recipients; start += Sizes.MAX_BATCH, batch++) {
                int count = Math.min(Sizes.MAX_BATCH, recipients - start);
                // Random ids, as batchcall's: the key's entries arrive out of order, as a submit's do.
                var run = FloorBaseline.InsertRun.of(
                        count, i -> "rcp_" + java.util.UUID.randomUUID().toString().replace("-", ""));
                insert.setString(1, WORKSPACE);
                insert.setString(2, "batch_benchmodelfloor" + String.format("%013d", batch));
                run.bind(connection, insert, 3);
                long started = System.nanoTime();
                insert.executeUpdate();
                spent += System.nanoTime() - started;
            }
            try (var analyze = connection.createStatement()) {
                // As batchcall's submit does for lists of 500 or more (PlannerStatistics).
                analyze.execute("ANALYZE bench_model.recipients");
            }
            return spent / 1e9;
        } catch (SQLException e) {
            throw new IllegalStateException("the model floor's insert failed", e);
        }
    }

    /** A random id of batchcall's length: ids are random there too, so each index takes them out of order. */
    private static String id(String prefix) {
        return "'" + prefix + "_' || replace(gen_random_uuid()::text, '-', '')";
    }

    /** An event row for each recipient row {@code r} returned, of batchcall's size. */
    private static String events(String type) {
        return """
                INSERT INTO bench_model.events (workspace_id, id, type, ordering_key, batch_id, recipient_id,
                    conversation_id, agent_id, occurred_at, body)
                SELECT r.workspace_id, %s, '%s', 'recipient:' || r.workspace_id || ':' || r.batch_id || ':' || r.id,
                    r.batch_id, r.id, r.conversation_id, '%s', now(),
                    json_build_object('type', '%s', 'data', row_to_json(r),
                        'padding', repeat('x', greatest(0, %d - length(row_to_json(r)::text))))::text
                FROM r""".formatted(id("evt"), type, AGENT, type, EVENT_LENGTH - 60);
    }

    private static final String CLAIM = """
            WITH picked AS (
                SELECT workspace_id, batch_id, id FROM bench_model.recipients
                WHERE workspace_id = '%s' AND pending
                ORDER BY workspace_id, batch_id, position
                LIMIT ?
                FOR UPDATE SKIP LOCKED),
            r AS (
                UPDATE bench_model.recipients r
                SET status = 'dispatched', attempt_count = r.attempt_count + 1, updated_at = now()
                FROM picked
                WHERE r.workspace_id = picked.workspace_id AND r.batch_id = picked.batch_id AND r.id = picked.id
                RETURNING r.*),
            opened AS (
                INSERT INTO bench_model.attempts (workspace_id, id, batch_id, recipient_id, attempt_number, agent_id,
                    phone_number_id, provider, conversation_id, node_id, lease_owner, phase, lease_expires_at,
                    dial_at, claimed_at, to_number, timezone, policy)
                SELECT r.workspace_id, %s, r.batch_id, r.id, r.attempt_count, '%s', '%s', 'simulator', %s,
                    'bench-model', 'bench-model', 'dialing', now() + interval '2 minutes', now(), now(),
                    r.phone_number, 'America/Los_Angeles', 'the workspace''s default'
                FROM r
                RETURNING workspace_id, id),
            evented AS (%s)
            SELECT workspace_id, id FROM opened"""
            .formatted(WORKSPACE, id("att"), AGENT, NUMBER, id("conv"), events("recipient.dispatched"));

    /** The acceptance: the call's id, its conversation opened (with its variables), the recipient initiated. */
    private static final String ACCEPTED = """
            WITH reported AS (SELECT * FROM unnest(?::text[], ?::text[]) AS e(workspace_id, id)),
            a AS (
                UPDATE bench_model.attempts a
                SET phase = 'ringing', provider_call_id = %s, dialed_at = now()
                FROM reported e
                WHERE a.workspace_id = e.workspace_id AND a.id = e.id AND a.phase = 'dialing'
                RETURNING a.*),
            c AS (
                INSERT INTO bench_model.conversations (workspace_id, id, agent_id, batch_id, recipient_id,
                    phone_number_id, status, start_time, phone_call, client_data, created_at, updated_at,
                    attempt_number)
                SELECT a.workspace_id, a.conversation_id, a.agent_id, a.batch_id, a.recipient_id, a.phone_number_id,
                    'initiated', now(),
                    jsonb_build_object('direction', 'outbound', 'type', 'simulator', 'phone_number_id',
                        a.phone_number_id, 'agent_number', '+14155550100', 'external_number', a.to_number,
                        'call_sid', a.provider_call_id),
                    CAST(recipient.client_data AS jsonb), now(), now(), a.attempt_number
                FROM a JOIN bench_model.recipients recipient ON recipient.workspace_id = a.workspace_id
                    AND recipient.batch_id = a.batch_id AND recipient.id = a.recipient_id
                RETURNING workspace_id, id, start_time, client_data),
            variables AS (
                INSERT INTO bench_model.conversation_variables (workspace_id, name, value, start_time,
                    conversation_id)
                SELECT c.workspace_id, v.key, v.value, c.start_time, c.id
                FROM c, jsonb_each_text(c.client_data -> 'dynamic_variables') v),
            r AS (
                UPDATE bench_model.recipients r
                SET status = 'initiated', conversation_id = a.conversation_id, updated_at = now()
                FROM a
                WHERE r.workspace_id = a.workspace_id AND r.batch_id = a.batch_id AND r.id = a.recipient_id
                  AND r.status = 'dispatched'
                RETURNING r.*)
            %s""".formatted(id("call"), events("recipient.initiated"));

    private static final String ANSWERED = """
            WITH reported AS (SELECT * FROM unnest(?::text[], ?::text[]) AS e(workspace_id, id)),
            a AS (
                UPDATE bench_model.attempts a SET phase = 'answered', answered_at = now()
                FROM reported e
                WHERE a.workspace_id = e.workspace_id AND a.id = e.id AND a.phase = 'ringing'
                RETURNING a.*),
            c AS (
                UPDATE bench_model.conversations c
                SET status = 'in-progress', call_result = 'answered', updated_at = now()
                FROM a
                WHERE c.workspace_id = a.workspace_id AND c.id = a.conversation_id),
            r AS (
                UPDATE bench_model.recipients r SET status = 'in_progress', updated_at = now()
                FROM a
                WHERE r.workspace_id = a.workspace_id AND r.batch_id = a.batch_id AND r.id = a.recipient_id
                  AND r.status = 'initiated'
                RETURNING r.*)
            %s""".formatted(events("recipient.in_progress"));

    private static final String ENDED = """
            WITH reported AS (SELECT * FROM unnest(?::text[], ?::text[]) AS e(workspace_id, id)),
            a AS (
                UPDATE bench_model.attempts a
                SET phase = 'ended', ended_at = now(), lease_expires_at = NULL, outcome = 'completed',
                    provider_status = 'completed'
                FROM reported e
                WHERE a.workspace_id = e.workspace_id AND a.id = e.id AND a.phase = 'answered'
                RETURNING a.*),
            c AS (
                UPDATE bench_model.conversations c
                SET status = 'done', ended_at = now(), termination_reason = 'Call ended by remote party',
                    post_call_pending = true, updated_at = now()
                FROM a
                WHERE c.workspace_id = a.workspace_id AND c.id = a.conversation_id
                RETURNING c.workspace_id, c.id, c.ended_at),
            queued AS (
                INSERT INTO bench_model.post_call_queue (ended_at, workspace_id, conversation_id, reported)
                SELECT ended_at, workspace_id, id, false FROM c),
            r AS (
                UPDATE bench_model.recipients r
                SET status = 'completed', last_outcome = 'completed', updated_at = now()
                FROM a
                WHERE r.workspace_id = a.workspace_id AND r.batch_id = a.batch_id AND r.id = a.recipient_id
                  AND r.status = 'in_progress'
                RETURNING r.*)
            %s""".formatted(events("recipient.completed"));

    /**
     * The post-call transcription's sending, as batchcall's post-call producer does it after the call's end (in its
     * own transaction, usually 30 s later): the queue row taken, the conversation marked sent (a heap-only update
     * there, as the index of waiting conversations moved to the queue in V162), and its event.
     */
    private static final String POST_CALL = """
            WITH reported AS (SELECT * FROM unnest(?::text[], ?::text[]) AS e(workspace_id, id)),
            closed AS (
                SELECT c.workspace_id, c.id, c.ended_at
                FROM reported e
                JOIN bench_model.attempts a ON a.workspace_id = e.workspace_id AND a.id = e.id
                JOIN bench_model.conversations c ON c.workspace_id = a.workspace_id AND c.id = a.conversation_id),
            taken AS (
                DELETE FROM bench_model.post_call_queue q USING closed
                WHERE q.ended_at = closed.ended_at AND q.workspace_id = closed.workspace_id
                  AND q.conversation_id = closed.id
                RETURNING q.workspace_id, q.conversation_id),
            sent AS (
                UPDATE bench_model.conversations c SET post_call_pending = false, post_call_sent_at = now()
                FROM taken
                WHERE c.workspace_id = taken.workspace_id AND c.id = taken.conversation_id
                RETURNING c.*)
            INSERT INTO bench_model.events (workspace_id, id, type, ordering_key, batch_id, recipient_id,
                conversation_id, agent_id, occurred_at, body)
            SELECT s.workspace_id, %s, 'post_call_transcription', 'conversation:' || s.workspace_id || ':' || s.id,
                s.batch_id, s.recipient_id, s.id, s.agent_id, now(),
                json_build_object('type', 'post_call_transcription', 'data', row_to_json(s),
                    'padding', repeat('x', greatest(0, %d - length(row_to_json(s)::text))))::text
            FROM sent s""".formatted(id("evt"), EVENT_LENGTH - 60);

    /**
     * One worker: claim up to {@code inFlight}, record their acceptance, answer and end, then send transcriptions.
     */
    private int dispatch(int inFlight) throws SQLException {
        int dispatched = 0;
        try (var connection = database.connection();
             var claim = connection.prepareStatement(CLAIM);
             var accepted = connection.prepareStatement(ACCEPTED);
             var answered = connection.prepareStatement(ANSWERED);
             var ended = connection.prepareStatement(ENDED);
             var postCall = connection.prepareStatement(POST_CALL)) {
            while (true) {
                var workspaces = new ArrayList<String>();
                var attempts = new ArrayList<String>();
                connection.setAutoCommit(true);
                claim.setInt(1, inFlight);
                try (var rows = claim.executeQuery()) {
                    while (rows.next()) {
                        workspaces.add(rows.getString(1));
                        attempts.add(rows.getString(2));
                    }
                }
                if (attempts.isEmpty()) {
                    return dispatched;
                }
                moved(connection, accepted, workspaces, attempts);
                connection.setAutoCommit(false);
                moved(connection, answered, workspaces, attempts);
                moved(connection, ended, workspaces, attempts);
                connection.commit();
                connection.setAutoCommit(true);
                moved(connection, postCall, workspaces, attempts);
                dispatched += attempts.size();
            }
        }
    }

    /** Runs one move for every attempt of the claim; each must move (nothing else touches them). */
    private static void moved(Connection connection, PreparedStatement move, List<String> workspaces,
                              List<String> attempts) throws SQLException {
        move.setArray(1, connection.createArrayOf("text", workspaces.toArray(String[]::new)));
        move.setArray(2, connection.createArrayOf("text", attempts.toArray(String[]::new)));
        int rows = move.executeUpdate();
        if (rows != attempts.size()) {
            throw new IllegalStateException("a move wrote " + rows + " events for " + attempts.size() + " attempts");
        }
    }
}
