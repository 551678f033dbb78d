package io.batchcall.bench;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The peer: the same dispatches run by db-scheduler, the best-known Java scheduler on PostgreSQL, as one-time tasks
 * on a pool of {@code dispatchConcurrency} threads (schema {@code bench_peer}). Each task is one recipient's dial:
 * with zero ring and talk time it only records its outcome on the recipient's row. db-scheduler does the rest of
 * the row work itself: it inserts the task (scheduleBatch), claims it (lock-and-fetch, SKIP LOCKED, the strategy
 * it recommends on PostgreSQL), and deletes it when done. It polls every 100 ms and gets as many connections as
 * batchcall's pool (20); scheduling is not in the rate, as the submit is not in batchcall's.
 */
final class DbSchedulerBaseline {
    private static final Duration POLLING_INTERVAL = Duration.ofMillis(100);
    private static final Duration TIMEOUT = Duration.ofMinutes(30);
    private static final String TABLE = "bench_peer.scheduled_tasks";

    private final BenchDatabase database;
    private final Sizes sizes;
    private final String jdbcUrl;
    /** The server's PostgreSQL's CPU time so far. */
    private final java.util.function.Supplier<Duration> databaseCpu;

    DbSchedulerBaseline(BenchDatabase database, String jdbcUrl, Sizes sizes,
                        java.util.function.Supplier<Duration> databaseCpu) {
        this.database = database;
        this.jdbcUrl = jdbcUrl;
        this.sizes = sizes;
        this.databaseCpu = databaseCpu;
    }

    record Result(DispatchScenario.Rate dispatch, double scheduledPerSecond) {}

    Result run() {
        int recipients = sizes.dispatchRecipients();
        createSchema(recipients);
        var done = new CountDownLatch(recipients);
        try (var pool = BenchDatabase.pool(jdbcUrl, "db-scheduler", BenchDatabase.SERVER_POOL_SIZE)) {
            OneTimeTask<String> dial = Tasks.oneTime("dial", String.class).execute((instance, context) -> {
                recordOutcome(pool, instance.getData());
                done.countDown();
            });
            var instances = new ArrayList<TaskInstance<?>>();
            for (int i = 0; i < recipients; i++) {
                instances.add(dial.instance("rcp_" + i, "rcp_" + i));
            }
            var cpu = new ProcessCpu.Meter(databaseCpu);
            cpu.start();
            long scheduleStarted = System.nanoTime();
            SchedulerClient.Builder.create(pool, dial).tableName(TABLE).build()
                    .scheduleBatch(instances, Instant.now());
            double scheduleSeconds = (System.nanoTime() - scheduleStarted) / 1e9;
            cpu.stop();

            Scheduler scheduler = Scheduler.create(pool, dial)
                    .tableName(TABLE)
                    .threads(sizes.dispatchConcurrency())
                    .pollingInterval(POLLING_INTERVAL)
                    .pollUsingLockAndFetch(0.5, 1.0)
                    .build();
            var before = database.transactions(sizes.statsSettle());
            cpu.start();
            long started = System.nanoTime();
            Duration elapsed;
            scheduler.start();
            try {
                if (!done.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                    throw new IllegalStateException("db-scheduler did not finish " + recipients + " tasks in "
                            + TIMEOUT);
                }
                // A task's completion (its delete) commits after its handler returned: the run ends when the
                // table is empty.
                awaitEmpty();
                elapsed = Duration.ofNanos(System.nanoTime() - started);
                cpu.stop();
            } finally {
                scheduler.stop();
            }
            var after = database.transactions(sizes.statsSettle());
            BenchDatabase.reportCounters(pool, BenchDatabase.SERVER_POOL_SIZE);
            // Its schema was made for this run: the counters are all it wrote, the tasks' scheduling included.
            return new Result(new DispatchScenario.Rate(recipients, elapsed, after.minus(before),
                    database.tableWrites("bench_peer"), java.util.Optional.of(cpu.used())),
                    recipients / scheduleSeconds);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot have db-scheduler's connections report their counters", e);
        }
    }

    private void createSchema(int recipients) {
        try (var connection = database.connection(); var statement = connection.createStatement()) {
            statement.execute("DROP SCHEMA IF EXISTS bench_peer CASCADE");
            statement.execute("CREATE SCHEMA bench_peer");
            // db-scheduler's own PostgreSQL table and indexes (postgresql_tables.sql of its repository).
            statement.execute("""
                    CREATE TABLE bench_peer.scheduled_tasks (
                        task_name text NOT NULL, task_instance text NOT NULL, task_data bytea,
                        execution_time timestamptz, picked boolean NOT NULL, picked_by text,
                        last_success timestamptz, last_failure timestamptz, consecutive_failures integer,
                        last_heartbeat timestamptz, version bigint NOT NULL, priority smallint, state text,
                        PRIMARY KEY (task_name, task_instance))""");
            statement.execute("CREATE INDEX execution_time_idx ON bench_peer.scheduled_tasks (execution_time)");
            statement.execute("CREATE INDEX last_heartbeat_idx ON bench_peer.scheduled_tasks (last_heartbeat)");
            statement.execute("""
                    CREATE INDEX priority_execution_time_idx
                    ON bench_peer.scheduled_tasks (priority DESC, execution_time ASC)""");
            statement.execute("""
                    CREATE TABLE bench_peer.recipients (
                        id text PRIMARY KEY, phone_number text, status text NOT NULL, last_outcome text,
                        updated_at timestamptz NOT NULL)""");
            try (var insert = connection.prepareStatement("""
                    INSERT INTO bench_peer.recipients (id, phone_number, status, updated_at)
                    SELECT 'rcp_' || i, '+1415555' || lpad((i % 10000)::text, 4, '0'), 'pending', now()
                    FROM generate_series(0, ? - 1) AS i""")) {
                insert.setInt(1, recipients);
                insert.executeUpdate();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("the peer's schema could not be made", e);
        }
    }

    private static void recordOutcome(javax.sql.DataSource pool, String recipientId) {
        try (var connection = pool.getConnection(); var update = connection.prepareStatement("""
                UPDATE bench_peer.recipients SET status = 'completed', last_outcome = 'completed', updated_at = now()
                WHERE id = ? AND status = 'pending'""")) {
            update.setString(1, recipientId);
            update.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("the peer could not record an outcome", e);
        }
    }

    private void awaitEmpty() {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            try (var connection = database.connection(); var statement = connection.createStatement();
                 var rows = statement.executeQuery("SELECT count(*) FROM " + TABLE)) {
                rows.next();
                if (rows.getLong(1) == 0) {
                    return;
                }
            } catch (SQLException e) {
                throw new IllegalStateException("cannot read db-scheduler's table", e);
            }
            Pause.of(Duration.ofMillis(20));
        }
        throw new IllegalStateException("db-scheduler's table did not empty");
    }
}
