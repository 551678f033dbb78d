package io.batchcall.bench;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The floor: the least a program can do per recipient on this database, done as well as plain JDBC allows. The
 * same row work as batchcall's dispatch, in tables shaped like its own (schema {@code bench_floor}): insert the
 * recipients (one statement per 10,000), then workers, each keeping its share of the concurrency in flight, repeat
 * claim (one statement: pick pending recipients with SKIP LOCKED, mark them dispatched, insert their attempts),
 * mark dialed (one statement per claim) and mark ended (attempts and recipients, one transaction per claim).
 * Nothing else: no counters, no limits, no conversations, no events. Its rate is the physical limit for scenario 4.
 */
final class FloorBaseline {
    /** Enough workers to keep both cores and the database busy while one waits for a round trip. */
    private static final int WORKERS = 4;

    private final BenchDatabase database;
    private final Sizes sizes;
    /** The server's PostgreSQL's CPU time so far. */
    private final java.util.function.Supplier<Duration> databaseCpu;

    FloorBaseline(BenchDatabase database, Sizes sizes, java.util.function.Supplier<Duration> databaseCpu) {
        this.database = database;
        this.sizes = sizes;
        this.databaseCpu = databaseCpu;
    }

    record Result(DispatchScenario.Rate dispatch, double insertsPerSecond) {}

    Result run() {
        int recipients = sizes.dispatchRecipients();
        try (var connection = database.connection(); var statement = connection.createStatement()) {
            statement.execute("DROP SCHEMA IF EXISTS bench_floor CASCADE");
            statement.execute("CREATE SCHEMA bench_floor");
            statement.execute("""
                    CREATE TABLE bench_floor.recipients (
                        batch_id text NOT NULL, id text NOT NULL, position integer NOT NULL, phone_number text,
                        client_data json, status text NOT NULL, last_outcome text,
                        attempt_count integer NOT NULL DEFAULT 0, created_at timestamptz NOT NULL,
                        updated_at timestamptz NOT NULL, PRIMARY KEY (batch_id, id))""");
            statement.execute("""
                    CREATE INDEX recipients_pending ON bench_floor.recipients (batch_id, position)
                    WHERE status = 'pending'""");
            statement.execute("""
                    CREATE TABLE bench_floor.attempts (
                        id text PRIMARY KEY, batch_id text NOT NULL, recipient_id text NOT NULL, phase text NOT NULL,
                        claimed_at timestamptz NOT NULL, dialed_at timestamptz, ended_at timestamptz, outcome text)""");
        } catch (SQLException e) {
            throw new IllegalStateException("the floor's schema could not be made", e);
        }
        var cpu = new ProcessCpu.Meter(databaseCpu);
        cpu.start();
        long insertStarted = System.nanoTime();
        insert(recipients);
        double insertSeconds = (System.nanoTime() - insertStarted) / 1e9;
        cpu.stop();

        var before = database.transactions(sizes.statsSettle());
        cpu.start();
        long started = System.nanoTime();
        int perWorker = Math.max(1, sizes.dispatchConcurrency() / WORKERS);
        Workers.dispatchAll("the floor", WORKERS, recipients, () -> dispatch(perWorker));
        var elapsed = Duration.ofNanos(System.nanoTime() - started);
        cpu.stop();
        var after = database.transactions(sizes.statsSettle());
        // The schema was made for this run, so its counters are all it wrote, the recipients' insert included, as
        // batchcall's count includes its submit; and its CPU, the insert's and the dispatch's.
        return new Result(new DispatchScenario.Rate(recipients, elapsed, after.minus(before),
                database.tableWrites("bench_floor"), java.util.Optional.of(cpu.used())), recipients / insertSeconds);
    }

    /** The submit's share of the work: recipients with three dynamic variables, 10,000 per statement. */
    private void insert(int recipients) {
        try (var connection = database.connection(); var insert = connection.prepareStatement("""
                INSERT INTO bench_floor.recipients (batch_id, id, position, phone_number, client_data, status,
                    created_at, updated_at)
                SELECT ?, r.id, r.position, r.phone_number, CAST(r.client_data AS json), 'pending', now(), now()
                FROM unnest(?::text[], ?::integer[], ?::text[], ?::text[])
                    AS r(id, position, phone_number, client_data)""")) {
            for (int start = 0, batch = 0; start < recipients; start += Sizes.MAX_BATCH, batch++) {
                int count = Math.min(Sizes.MAX_BATCH, recipients - start);
                int inBatch = batch;
                var run = InsertRun.of(count, i -> "rcp_" + inBatch + "_" + i);
                insert.setString(1, "batch_" + batch);
                run.bind(connection, insert, 2);
                insert.executeUpdate();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("the floor's insert failed", e);
        }
    }

    /**
     * The recipients of one insert statement, as arrays bound to its {@code unnest}: ids, positions, numbers and client
     * data with the benchmark's three dynamic variables. The floor of batchcall's rows inserts the same.
     */
    record InsertRun(String[] ids, Integer[] positions, String[] numbers, String[] clientData) {
        static InsertRun of(int count, java.util.function.IntFunction<String> id) {
            var variables = BatchBody.simulated(0, 0);
            var run = new InsertRun(new String[count], new Integer[count], new String[count], new String[count]);
            for (int i = 0; i < count; i++) {
                run.ids[i] = id.apply(i);
                run.positions[i] = i;
                run.numbers[i] = BatchBody.phoneNumber(i);
                run.clientData[i] = "{\"dynamic_variables\":" + variables.apply(i) + "}";
            }
            return run;
        }

        /** Binds the four arrays from parameter {@code first} on, in that order. */
        void bind(Connection connection, java.sql.PreparedStatement statement, int first) throws SQLException {
            statement.setArray(first, connection.createArrayOf("text", ids));
            statement.setArray(first + 1, connection.createArrayOf("integer", positions));
            statement.setArray(first + 2, connection.createArrayOf("text", numbers));
            statement.setArray(first + 3, connection.createArrayOf("text", clientData));
        }
    }

    /** One worker: claim up to {@code inFlight}, mark them dialed, mark them ended; until nothing is pending. */
    private int dispatch(int inFlight) throws SQLException {
        int dispatched = 0;
        try (var connection = database.connection();
             var claim = connection.prepareStatement("""
                     WITH picked AS (
                         SELECT batch_id, id FROM bench_floor.recipients
                         WHERE status = 'pending'
                         ORDER BY batch_id, position
                         LIMIT ?
                         FOR UPDATE SKIP LOCKED),
                     claimed AS (
                         UPDATE bench_floor.recipients r
                         SET status = 'dispatched', attempt_count = r.attempt_count + 1, updated_at = now()
                         FROM picked
                         WHERE r.batch_id = picked.batch_id AND r.id = picked.id
                         RETURNING r.batch_id, r.id)
                     INSERT INTO bench_floor.attempts (id, batch_id, recipient_id, phase, claimed_at)
                     SELECT 'att_' || batch_id || '_' || id, batch_id, id, 'dialing', now() FROM claimed
                     RETURNING id, batch_id, recipient_id""");
             var dialed = connection.prepareStatement("""
                     UPDATE bench_floor.attempts SET phase = 'ringing', dialed_at = now()
                     WHERE id = ANY(?) AND phase = 'dialing'""");
             var endAttempts = connection.prepareStatement("""
                     UPDATE bench_floor.attempts SET phase = 'ended', ended_at = now(), outcome = 'completed'
                     WHERE id = ANY(?) AND phase <> 'ended'""");
             var endRecipients = connection.prepareStatement("""
                     UPDATE bench_floor.recipients r
                     SET status = 'completed', last_outcome = 'completed', updated_at = now()
                     FROM unnest(?::text[], ?::text[]) AS e(batch_id, id)
                     WHERE r.batch_id = e.batch_id AND r.id = e.id AND r.status = 'dispatched'""")) {
            while (true) {
                var attempts = new ArrayList<String>();
                var batches = new ArrayList<String>();
                var recipients = new ArrayList<String>();
                connection.setAutoCommit(true);
                claim.setInt(1, inFlight);
                try (var rows = claim.executeQuery()) {
                    while (rows.next()) {
                        attempts.add(rows.getString(1));
                        batches.add(rows.getString(2));
                        recipients.add(rows.getString(3));
                    }
                }
                if (attempts.isEmpty()) {
                    return dispatched;
                }
                dialed.setArray(1, array(connection, attempts));
                dialed.executeUpdate();
                connection.setAutoCommit(false);
                endAttempts.setArray(1, array(connection, attempts));
                endAttempts.executeUpdate();
                endRecipients.setArray(1, array(connection, batches));
                endRecipients.setArray(2, array(connection, recipients));
                endRecipients.executeUpdate();
                connection.commit();
                dispatched += attempts.size();
            }
        }
    }

    private static java.sql.Array array(Connection connection, List<String> values) throws SQLException {
        return connection.createArrayOf("text", values.toArray(String[]::new));
    }
}
