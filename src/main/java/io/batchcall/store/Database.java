package io.batchcall.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementExceptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The connection pool, the schema (migrated on start) and the Jdbi handle factory every store uses. */
public final class Database implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Database.class);
    private static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(10);
    private static final int POOL_SIZE = 20;

    private final HikariDataSource dataSource;
    private final Jdbi jdbi;
    private final int migrationCount;

    private Database(HikariDataSource dataSource, int migrationCount) {
        this.dataSource = dataSource;
        this.jdbi = Jdbi.create(dataSource);
        // Jdbi's default message renders the statement and its bound values (phone numbers, client data) into
        // every StatementException, and so into every log line that prints one. The SQL state and the server's
        // message are enough to tell what failed; the values are in the database for whoever may see them.
        jdbi.getConfig(StatementExceptions.class).setMessageRendering(StatementExceptions.MessageRendering.NONE);
        // The same values went into every flight recording of the server, through Jdbi's JFR event: replaced by one
        // without them. Not on a runtime without JFR (the container image's), where StatementEvents cannot load.
        if (ModuleLayer.boot().findModule("jdk.jfr").isPresent()) {
            StatementEvents.install(jdbi);
        }
        jdbi.setTransactionHandler(new CollisionRetries());
        jdbi.getConfig(org.jdbi.v3.core.transaction.SerializableTransactionRunner.Configuration.class)
                .setMaxRetries(CollisionRetries.MAX_RETRIES);
        this.migrationCount = migrationCount;
    }

    /** Opens the pool and brings the schema up to date. */
    public static Database connect(
            String jdbcUrl, Optional<String> user, Optional<String> password, MeterRegistry meters) {
        var config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        user.ifPresent(config::setUsername);
        password.ifPresent(config::setPassword);
        config.setPoolName("batchcall");
        config.setMaximumPoolSize(POOL_SIZE);
        config.setConnectionTimeout(CONNECTION_TIMEOUT.toMillis());
        // Without this the driver copies the server's Detail and Where lines into exception messages: "Key
        // (phone_number)=(+1415...) already exists", "Failing row contains (...)", JSON text with client data.
        // It also keeps the bound values out of a failed batch entry's message.
        config.addDataSourceProperty("logServerErrorDetail", "false");
        config.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(meters));
        var dataSource = new HikariDataSource(config);
        try {
            SessionPooling.requireOwnSessions(dataSource);
            var flyway = Flyway.configure()
                    .dataSource(dataSource)
                    .locations("classpath:db/migration")
                    .load();
            var result = flyway.migrate();
            // The migrations this build ships; /ready compares the database against them.
            int migrations = (int) Arrays.stream(flyway.info().all())
                    .filter(m -> m.getState().isResolved())
                    .count();
            log.info(
                    "Database ready migrationsApplied={} schemaVersion={}",
                    result.migrationsExecuted,
                    result.targetSchemaVersion);
            return new Database(dataSource, migrations);
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
    }

    javax.sql.DataSource dataSource() {
        return dataSource;
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    /** True when the database answers and holds every migration this build knows. */
    public boolean ready() {
        try {
            int applied = jdbi.withHandle(handle -> handle.createQuery(
                            "SELECT count(*) FROM flyway_schema_history WHERE success AND version IS NOT NULL")
                    .mapTo(Integer.class)
                    .one());
            return applied >= migrationCount;
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
