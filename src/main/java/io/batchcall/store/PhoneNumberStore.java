package io.batchcall.store;

import io.batchcall.domain.PhoneNumber;
import io.batchcall.domain.Provider;
import io.batchcall.domain.WorkspaceId;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * Phone numbers of a workspace. Credentials are sealed with the {@link CredentialCipher} before they reach SQL
 * and are only ever opened for a provider; the records this store returns never carry them.
 */
public final class PhoneNumberStore {
    static final String COLUMNS = """
            workspace_id, id, provider, phone_number, label, agent_id, settings::text AS settings,
            credentials IS NOT NULL AS has_credentials, cps, supports_inbound, supports_outbound, created_at,
            updated_at
            """;

    private final Jdbi jdbi;
    private final Clock clock;
    private final CredentialCipher cipher;

    public PhoneNumberStore(Database database, Clock clock, CredentialCipher cipher) {
        this.jdbi = database.jdbi();
        this.clock = clock;
        this.cipher = cipher;
    }

    /** A live number of the workspace. */
    public Optional<PhoneNumber> find(WorkspaceId workspace, String phoneNumberId) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT " + COLUMNS + """
                         FROM phone_numbers
                         WHERE workspace_id = :workspaceId AND id = :id AND deleted_at IS NULL""")
                .bind("workspaceId", workspace.value())
                .bind("id", phoneNumberId)
                .map(PhoneNumberStore::phoneNumber)
                .findOne());
    }

    /** The number assigned to an agent most recently, if any. */
    public Optional<PhoneNumber> assignedTo(WorkspaceId workspace, String agentId) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT " + COLUMNS + """
                         FROM phone_numbers
                         WHERE workspace_id = :workspaceId AND agent_id = :agentId AND deleted_at IS NULL
                         ORDER BY updated_at DESC LIMIT 1""")
                .bind("workspaceId", workspace.value())
                .bind("agentId", agentId)
                .map(PhoneNumberStore::phoneNumber)
                .findOne());
    }

    static PhoneNumber phoneNumber(ResultSet rs, StatementContext ctx) throws SQLException {
        return new PhoneNumber(new WorkspaceId(rs.getString("workspace_id")), rs.getString("id"),
                Provider.fromWire(rs.getString("provider")).orElseThrow(), rs.getString("phone_number"),
                rs.getString("label"), Rows.optionalText(rs, "agent_id"), rs.getString("settings"),
                rs.getBoolean("has_credentials"), rs.getBigDecimal("cps"), rs.getBoolean("supports_inbound"),
                rs.getBoolean("supports_outbound"), Rows.instant(rs, "created_at"), Rows.instant(rs, "updated_at"));
    }
}
