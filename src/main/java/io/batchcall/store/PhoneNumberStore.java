package io.batchcall.store;

import io.batchcall.domain.Change;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.PhoneNumber;
import io.batchcall.domain.Provider;
import io.batchcall.domain.WorkspaceId;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Handle;
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
    private final PhoneNumberSecrets secrets;
    private final PhoneNumberPaging paging;
    private final PhoneNumberWrites writes;

    public PhoneNumberStore(Database database, Clock clock, CredentialCipher cipher, IdSource ids) {
        this.jdbi = database.jdbi();
        this.clock = clock;
        this.secrets = new PhoneNumberSecrets(cipher);
        this.paging = new PhoneNumberPaging(jdbi);
        this.writes = new PhoneNumberWrites(jdbi, clock, ids, secrets);
    }

    /** A number to import: non-secret provider settings as JSON text, secrets apart (empty: none). */
    public record NewPhoneNumber(
            Provider provider,
            String phoneNumber,
            String label,
            Optional<String> agentId,
            String settingsJson,
            Map<String, String> credentials,
            BigDecimal cps,
            boolean supportsInbound,
            boolean supportsOutbound) {
        public NewPhoneNumber {
            credentials = Map.copyOf(credentials);
        }
    }

    /**
     * A PATCH: {@code settingsJson} is merged over the stored settings key by key, {@code removedSettings} are
     * dropped; in {@code credentials} a present value sets that secret and an empty one removes it.
     */
    public record Changes(
            Optional<String> label,
            Change<String> agentId,
            String settingsJson,
            Set<String> removedSettings,
            Map<String, Optional<String>> credentials,
            Optional<BigDecimal> cps) {
        public Changes {
            removedSettings = Set.copyOf(removedSettings);
            credentials = Map.copyOf(credentials);
        }
    }

    /** A live number of the workspace. */
    public Optional<PhoneNumber> find(WorkspaceId workspace, String phoneNumberId) {
        return jdbi.withHandle(handle -> find(handle, workspace, phoneNumberId, ""));
    }

    /** The number assigned to an agent most recently, if any. */
    public Optional<PhoneNumber> assignedTo(WorkspaceId workspace, String agentId) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT " + COLUMNS + """
                         FROM phone_numbers
                         WHERE workspace_id = :workspaceId AND agent_id = :agentId AND deleted_at IS NULL
                         ORDER BY agent_assigned_at DESC, id DESC LIMIT 1""")
                .bind("workspaceId", workspace.value())
                .bind("agentId", agentId)
                .map(PhoneNumberStore::phoneNumber)
                .findOne());
    }

    /** Live numbers, oldest first, optionally only one provider's or one agent's. */
    public List<PhoneNumber> list(WorkspaceId workspace, Optional<Provider> provider, Optional<String> agentId) {
        return list(workspace, provider, agentId, Optional.empty());
    }

    /** Live numbers, oldest first, optionally only one provider's, one agent's or one branch's. */
    public List<PhoneNumber> list(
            WorkspaceId workspace, Optional<Provider> provider, Optional<String> agentId, Optional<String> branchId) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT " + COLUMNS + """
                         FROM phone_numbers
                         WHERE workspace_id = :workspaceId AND deleted_at IS NULL
                           AND (CAST(:provider AS text) IS NULL OR provider = :provider)
                           AND (CAST(:agentId AS text) IS NULL OR agent_id = :agentId)
                           AND (CAST(:branchId AS text) IS NULL OR settings->>'branch_id' = :branchId)
                         ORDER BY created_at, id""")
                .bind("workspaceId", workspace.value())
                .bind("provider", provider.map(Provider::wireName).orElse(null))
                .bind("agentId", agentId.orElse(null))
                .bind("branchId", branchId.orElse(null))
                .map(PhoneNumberStore::phoneNumber)
                .list());
    }

    /** What the paged list filters on; every present field must match. */
    public record Filter(
            Optional<Provider> provider,
            Optional<String> agentId,
            Optional<String> branchId,
            Optional<String> search,
            Optional<String> label,
            Optional<String> phoneNumber,
            Optional<Boolean> supportsOutbound) {}

    /** The paged list's order: by label, phone number or (when neither is asked for) creation, then id. */
    public enum SortBy {
        LABEL("label"),
        PHONE_NUMBER("phone_number"),
        // Fixed-width digits sort as the times do; no colons, which the SQL parser would read as parameters.
        CREATED("to_char(created_at AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISSUS')");

        /** The sort key as text, so that one keyset comparison serves every order. */
        private final String key;

        SortBy(String key) {
            this.key = key;
        }

        String key() {
            return key;
        }
    }

    /** Where a page starts: after the row with this sort key and id. */
    public record After(String key, String id) {}

    /** One page, and where the next one starts, when there is one. */
    public record NumberPage(List<PhoneNumber> numbers, Optional<After> next) {}

    /**
     * A page of live numbers matching {@code filter}, in {@code sortBy} order (descending when {@code descending}),
     * keyset-paged on (sort key, id). WhatsApp accounts are not in it: ElevenLabs lists them apart.
     */
    public NumberPage page(
            WorkspaceId workspace, Filter filter, SortBy sortBy, boolean descending, Optional<After> after, int limit) {
        return paging.page(workspace, filter, sortBy, descending, after, limit);
    }

    public PhoneNumber create(WorkspaceId workspace, NewPhoneNumber number) {
        return writes.create(workspace, number);
    }

    /**
     * Imports a WhatsApp account as a number whose id is Meta's phone_number_id. Empty when that id is a live
     * account already, in this workspace or another (Meta routes webhooks by the id alone). An account deleted
     * from this workspace before is brought back with the new fields: its id is its primary key.
     */
    public Optional<PhoneNumber> createWhatsAppAccount(
            WorkspaceId workspace, String phoneNumberId, NewPhoneNumber number) {
        return writes.createWhatsAppAccount(workspace, phoneNumberId, number);
    }

    /** The live WhatsApp account with Meta's {@code phoneNumberId}, of whichever workspace has it. */
    public Optional<PhoneNumber> whatsAppAccount(String phoneNumberId) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT " + COLUMNS + """
                         FROM phone_numbers
                         WHERE id = :id AND provider = :provider AND deleted_at IS NULL""")
                .bind("id", phoneNumberId)
                .bind("provider", Provider.WHATSAPP.wireName())
                .map(PhoneNumberStore::phoneNumber)
                .findOne());
    }

    /**
     * The number of one kind assigned to an agent most recently: a WhatsApp account ({@code whatsapp}) or a phone
     * number. An agent may have both, and a phone batch must never call from its WhatsApp account (or back).
     */
    public Optional<PhoneNumber> assignedTo(WorkspaceId workspace, String agentId, boolean whatsapp) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT " + COLUMNS + """
                         FROM phone_numbers
                         WHERE workspace_id = :workspaceId AND agent_id = :agentId AND deleted_at IS NULL
                           AND (provider = :whatsapp) = :isWhatsapp
                         ORDER BY agent_assigned_at DESC, id DESC LIMIT 1""")
                .bind("workspaceId", workspace.value())
                .bind("agentId", agentId)
                .bind("whatsapp", Provider.WHATSAPP.wireName())
                .bind("isWhatsapp", whatsapp)
                .map(PhoneNumberStore::phoneNumber)
                .findOne());
    }

    /** Applies a PATCH in one transaction (secrets are merged, so they are read, changed and sealed again). */
    public Optional<PhoneNumber> update(WorkspaceId workspace, String phoneNumberId, Changes changes) {
        return writes.update(workspace, phoneNumberId, changes);
    }

    /** Soft-deletes a number, unless a pending or in-progress batch calls from it. */
    public Deletion delete(WorkspaceId workspace, String phoneNumberId) {
        return jdbi.inTransaction(handle -> {
            if (find(handle, workspace, phoneNumberId, "FOR NO KEY UPDATE").isEmpty()) {
                return Deletion.NOT_FOUND;
            }
            boolean active = handle.createQuery("""
                            SELECT EXISTS (SELECT 1 FROM batches
                                           WHERE workspace_id = :workspaceId AND phone_number_id = :id
                                             AND status IN ('pending', 'in_progress'))""")
                    .bind("workspaceId", workspace.value())
                    .bind("id", phoneNumberId)
                    .mapTo(Boolean.class)
                    .one();
            if (active) {
                return Deletion.IN_USE_BY_ACTIVE_BATCH;
            }
            handle.createUpdate("""
                            UPDATE phone_numbers SET deleted_at = :now, updated_at = :now
                            WHERE workspace_id = :workspaceId AND id = :id AND deleted_at IS NULL""")
                    .bind("workspaceId", workspace.value())
                    .bind("id", phoneNumberId)
                    .bind("now", Rows.at(clock.instant()))
                    .execute();
            return Deletion.DELETED;
        });
    }

    /**
     * The decrypted secrets of a live number (e.g. {@code token} for Twilio), for the provider that dials with
     * them; empty when there is no such number or it has none. Never log or return what this gives.
     */
    public Optional<Map<String, String>> credentials(WorkspaceId workspace, String phoneNumberId) {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT credentials FROM phone_numbers
                        WHERE workspace_id = :workspaceId AND id = :id AND deleted_at IS NULL
                          AND credentials IS NOT NULL""")
                .bind("workspaceId", workspace.value())
                .bind("id", phoneNumberId)
                .map((rs, ctx) -> rs.getBytes("credentials"))
                .findOne()
                .map(secrets::open));
    }

    /**
     * The outbound trunk addresses of every live sip_trunk number, of every workspace, distinct: the peers the SIP
     * endpoint accepts requests from outside its calls (OPTIONS pings, say). Few rows: one per trunk.
     */
    public List<String> sipTrunkAddresses() {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT DISTINCT settings -> 'outbound_trunk' ->> 'address' AS address FROM phone_numbers
                        WHERE provider = :provider AND deleted_at IS NULL
                          AND settings -> 'outbound_trunk' ->> 'address' IS NOT NULL""")
                .bind("provider", Provider.SIP_TRUNK.wireName())
                .map((rs, ctx) -> rs.getString("address"))
                .list());
    }

    /** Assigns a live number to an agent (moving it from any other); false when there is no such number. */
    static boolean assign(Handle handle, WorkspaceId workspace, String phoneNumberId, String agentId, Instant now) {
        return handle.createUpdate("""
                        UPDATE phone_numbers SET agent_id = :agentId, agent_assigned_at = :now, updated_at = :now
                        WHERE workspace_id = :workspaceId AND id = :id AND deleted_at IS NULL""")
                        .bind("workspaceId", workspace.value())
                        .bind("id", phoneNumberId)
                        .bind("agentId", agentId)
                        .bind("now", Rows.at(now))
                        .execute()
                == 1;
    }

    static void unassignAll(Handle handle, WorkspaceId workspace, String agentId, Instant now) {
        handle.createUpdate("""
                        UPDATE phone_numbers SET agent_id = NULL, agent_assigned_at = NULL, updated_at = :now
                        WHERE workspace_id = :workspaceId AND agent_id = :agentId""")
                .bind("workspaceId", workspace.value())
                .bind("agentId", agentId)
                .bind("now", Rows.at(now))
                .execute();
    }

    /**
     * Stored credentials this server cannot open: sealed with another secret key (BATCHCALL_SECRET_KEY or the data
     * directory's secret.key changed) or altered. Carries no cause: the cause could echo the secret.
     */
    public static final class UnreadableCredentials extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UnreadableCredentials() {
            super("stored credentials cannot be decrypted with this server's secret key", null, false, false);
        }
    }

    private static Optional<PhoneNumber> find(Handle handle, WorkspaceId workspace, String id, String lock) {
        return handle.createQuery("SELECT " + COLUMNS + """
                         FROM phone_numbers
                         WHERE workspace_id = :workspaceId AND id = :id AND deleted_at IS NULL\s""" + lock)
                .bind("workspaceId", workspace.value())
                .bind("id", id)
                .map(PhoneNumberStore::phoneNumber)
                .findOne();
    }

    static PhoneNumber phoneNumber(ResultSet rs, StatementContext ctx) throws SQLException {
        return new PhoneNumber(
                new WorkspaceId(rs.getString("workspace_id")),
                rs.getString("id"),
                Provider.fromWire(rs.getString("provider")).orElseThrow(),
                rs.getString("phone_number"),
                rs.getString("label"),
                Rows.optionalText(rs, "agent_id"),
                rs.getString("settings"),
                rs.getBoolean("has_credentials"),
                rs.getBigDecimal("cps"),
                rs.getBoolean("supports_inbound"),
                rs.getBoolean("supports_outbound"),
                Rows.instant(rs, "created_at"),
                Rows.instant(rs, "updated_at"));
    }
}
