package io.batchcall.support;

import io.batchcall.store.Database;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * The test server's database reached directly: for rows that other issues' endpoints will write (batches), and
 * for stores whose writers are not endpoints (conversations, written by the dispatcher). Close it after use.
 */
public final class DirectDatabase implements AutoCloseable {
    private final Database database;

    public DirectDatabase(TestServer server) {
        this.database = Database.connect(
                server.databaseUrl(), Optional.of("postgres"), Optional.empty(), new SimpleMeterRegistry());
    }

    public Database database() {
        return database;
    }

    public Jdbi jdbi() {
        return database.jdbi();
    }

    /** A batch in {@code status} for an agent, from a number (or none), as the batch endpoints will store it. */
    public void insertBatch(String workspaceId, String batchId, String agentId, String phoneNumberId, String status) {
        var now = Instant.now().atOffset(ZoneOffset.UTC);
        jdbi().useHandle(handle -> handle.createUpdate("""
                        INSERT INTO batches (workspace_id, id, name, agent_id, phone_number_id, ringing_timeout_secs,
                                             recording_enabled, status, total_scheduled, scheduled_at, created_at,
                                             updated_at)
                        VALUES (:workspaceId, :id, 'test batch', :agentId, :phoneNumberId, 60, false, :status, 1,
                                :now, :now, :now)""")
                .bind("workspaceId", workspaceId)
                .bind("id", batchId)
                .bind("agentId", agentId)
                .bind("phoneNumberId", phoneNumberId)
                .bind("status", status)
                .bind("now", now)
                .execute());
    }

    @Override
    public void close() {
        database.close();
    }
}
