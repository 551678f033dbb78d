package io.batchcall.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.batchcall.domain.Change;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.PhoneNumber;
import io.batchcall.domain.Provider;
import io.batchcall.domain.WorkspaceId;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
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
    /** Credentials are a flat map of strings: a plain mapper, apart from the API's, is all they need. */
    private static final ObjectMapper CREDENTIALS_JSON = new ObjectMapper();

    private static final TypeReference<Map<String, String>> SECRETS = new TypeReference<>() {};

    private final Jdbi jdbi;
    private final Clock clock;
    private final CredentialCipher cipher;
    private final IdSource ids;

    public PhoneNumberStore(Database database, Clock clock, CredentialCipher cipher, IdSource ids) {
        this.jdbi = database.jdbi();
        this.clock = clock;
        this.cipher = cipher;
        this.ids = ids;
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
    }

    /** Where a page starts: after the row with this sort key and id. */
    public record After(String key, String id) {}

    /** One page, and where the next one starts, when there is one. */
    public record NumberPage(List<PhoneNumber> numbers, Optional<After> next) {}

    /**
     * A page of live numbers matching {@code filter}, in {@code sortBy} order (descending when {@code descending}),
     * keyset-paged on (sort key, id). A workspace has few numbers, so the filters scan its rows. WhatsApp accounts
     * are not in it: ElevenLabs lists them apart.
     */
    public NumberPage page(
            WorkspaceId workspace, Filter filter, SortBy sortBy, boolean descending, Optional<After> after, int limit) {
        var direction = descending ? "DESC" : "ASC";
        var sql = "SELECT " + COLUMNS + ", " + sortBy.key + " AS sort_key" + """
                 FROM phone_numbers
                 WHERE workspace_id = :workspaceId AND deleted_at IS NULL
                   AND provider <> 'whatsapp'
                   AND (CAST(:provider AS text) IS NULL OR provider = :provider)
                   AND (CAST(:agentId AS text) IS NULL OR agent_id = :agentId)
                   AND (CAST(:branchId AS text) IS NULL OR settings->>'branch_id' = :branchId)
                   AND (CAST(:search AS text) IS NULL OR id = :search
                        OR label ILIKE :searchPattern ESCAPE '!' OR phone_number ILIKE :searchPattern ESCAPE '!')
                   AND (CAST(:labelPattern AS text) IS NULL OR label ILIKE :labelPattern ESCAPE '!')
                   AND (CAST(:phoneNumber AS text) IS NULL OR phone_number = :phoneNumber)
                   AND (CAST(:supportsOutbound AS boolean) IS NULL OR supports_outbound = :supportsOutbound)
                """
                + (after.isPresent()
                        ? "AND (" + sortBy.key + ", id) " + (descending ? "<" : ">") + " (:afterKey, :afterId)\n"
                        : "")
                + "ORDER BY sort_key " + direction + ", id " + direction + " LIMIT :limit";
        var rows = jdbi.withHandle(handle -> handle.createQuery(sql)
                .bind("workspaceId", workspace.value())
                .bind("provider", filter.provider().map(Provider::wireName).orElse(null))
                .bind("agentId", filter.agentId().orElse(null))
                .bind("branchId", filter.branchId().orElse(null))
                .bind("search", filter.search().orElse(null))
                .bind(
                        "searchPattern",
                        filter.search().map(PhoneNumberStore::containing).orElse(null))
                .bind(
                        "labelPattern",
                        filter.label().map(PhoneNumberStore::containing).orElse(null))
                .bind("phoneNumber", filter.phoneNumber().orElse(null))
                .bind("supportsOutbound", filter.supportsOutbound().orElse(null))
                .bind("afterKey", after.map(After::key).orElse(null))
                .bind("afterId", after.map(After::id).orElse(null))
                .bind("limit", limit + 1)
                .map((rs, ctx) -> Map.entry(phoneNumber(rs, ctx), rs.getString("sort_key")))
                .list());
        if (rows.size() <= limit) {
            return new NumberPage(rows.stream().map(Map.Entry::getKey).toList(), Optional.empty());
        }
        var last = rows.get(limit - 1);
        return new NumberPage(
                rows.subList(0, limit).stream().map(Map.Entry::getKey).toList(),
                Optional.of(new After(last.getValue(), last.getKey().id())));
    }

    private static String containing(String text) {
        // '!' escapes, not a backslash: Jdbi's parser reads '\\' as an escaped quote, and with two such literals in
        // one statement the parameters between them would be taken for text.
        return "%" + text.replaceAll("([!%_])", "!$1") + "%";
    }

    public PhoneNumber create(WorkspaceId workspace, NewPhoneNumber number) {
        return jdbi.withHandle(handle -> insert(handle, workspace, ids.next(PhoneNumber.ID_PREFIX), number, "")
                .one());
    }

    /**
     * Imports a WhatsApp account as a number whose id is Meta's phone_number_id. Empty when that id is a live
     * account already, in this workspace or another (Meta routes webhooks by the id alone). An account deleted
     * from this workspace before is brought back with the new fields: its id is its primary key.
     */
    public Optional<PhoneNumber> createWhatsAppAccount(
            WorkspaceId workspace, String phoneNumberId, NewPhoneNumber number) {
        if (number.provider() != Provider.WHATSAPP) {
            throw new IllegalArgumentException("only WhatsApp accounts are stored under Meta's id");
        }
        try {
            return jdbi.withHandle(handle ->
                    insert(handle, workspace, phoneNumberId, number, """
                             ON CONFLICT (workspace_id, id) DO UPDATE
                             SET provider = excluded.provider, phone_number = excluded.phone_number,
                                 label = excluded.label, agent_id = excluded.agent_id,
                                 agent_assigned_at = excluded.agent_assigned_at, settings = excluded.settings,
                                 credentials = excluded.credentials, cps = excluded.cps,
                                 supports_inbound = excluded.supports_inbound,
                                 supports_outbound = excluded.supports_outbound, created_at = excluded.created_at,
                                 updated_at = excluded.updated_at, deleted_at = NULL
                             WHERE phone_numbers.deleted_at IS NOT NULL""").findOne());
        } catch (org.jdbi.v3.core.statement.UnableToExecuteStatementException e) {
            // phone_numbers_whatsapp_account: a live account of another workspace has this id.
            if (DatabaseFailures.sqlState(e).filter("23505"::equals).isPresent()) {
                return Optional.empty();
            }
            throw e;
        }
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

    private org.jdbi.v3.core.result.ResultIterable<PhoneNumber> insert(
            Handle handle, WorkspaceId workspace, String id, NewPhoneNumber number, String onConflict) {
        var now = clock.instant();
        return handle.createQuery("""
                        INSERT INTO phone_numbers (workspace_id, id, provider, phone_number, label, agent_id,
                                                   agent_assigned_at, settings, credentials, cps, supports_inbound,
                                                   supports_outbound, created_at, updated_at)
                        VALUES (:workspaceId, :id, :provider, :phoneNumber, :label, :agentId,
                                CASE WHEN CAST(:agentId AS text) IS NULL THEN NULL ELSE CAST(:now AS timestamptz) END,
                                CAST(:settings AS jsonb), :credentials, :cps, :supportsInbound, :supportsOutbound,
                                :now, :now)""" + onConflict + "\nRETURNING " + COLUMNS)
                .bind("workspaceId", workspace.value())
                .bind("id", id)
                .bind("provider", number.provider().wireName())
                .bind("phoneNumber", number.phoneNumber())
                .bind("label", number.label())
                .bind("agentId", number.agentId().orElse(null))
                .bind("settings", number.settingsJson())
                .bind("credentials", seal(number.credentials()))
                .bind("cps", number.cps())
                .bind("supportsInbound", number.supportsInbound())
                .bind("supportsOutbound", number.supportsOutbound())
                .bind("now", Rows.at(now))
                .map(PhoneNumberStore::phoneNumber);
    }

    /** Applies a PATCH in one transaction (secrets are merged, so they are read, changed and sealed again). */
    public Optional<PhoneNumber> update(WorkspaceId workspace, String phoneNumberId, Changes changes) {
        return jdbi.inTransaction(handle -> {
            var sealed = handle.createQuery("""
                            SELECT credentials FROM phone_numbers
                            WHERE workspace_id = :workspaceId AND id = :id AND deleted_at IS NULL FOR NO KEY UPDATE""")
                    .bind("workspaceId", workspace.value())
                    .bind("id", phoneNumberId)
                    .map((rs, ctx) -> Optional.ofNullable(rs.getBytes("credentials")))
                    .findOne();
            if (sealed.isEmpty()) {
                return Optional.empty();
            }
            var secrets = new HashMap<>(sealed.get().map(this::open).orElse(Map.of()));
            changes.credentials()
                    .forEach(
                            (key, value) -> value.ifPresentOrElse(v -> secrets.put(key, v), () -> secrets.remove(key)));
            return Optional.of(handle.createQuery("""
                            UPDATE phone_numbers
                            SET label = coalesce(:label, label),
                                agent_id = CASE WHEN :changeAgent THEN :agentId ELSE agent_id END,
                                agent_assigned_at = CASE WHEN NOT :changeAgent THEN agent_assigned_at
                                                         WHEN CAST(:agentId AS text) IS NULL THEN NULL
                                                         ELSE CAST(:now AS timestamptz) END,
                                settings = (settings || CAST(:settings AS jsonb)) - CAST(:removed AS text[]),
                                credentials = :credentials,
                                cps = coalesce(:cps, cps),
                                updated_at = :now
                            WHERE workspace_id = :workspaceId AND id = :id AND deleted_at IS NULL
                            RETURNING\s""" + COLUMNS)
                    .bind("workspaceId", workspace.value())
                    .bind("id", phoneNumberId)
                    .bind("label", changes.label().orElse(null))
                    .bind("changeAgent", changes.agentId().changes())
                    .bind("agentId", changes.agentId().newValueOrNull())
                    .bind("settings", changes.settingsJson())
                    .bindArray("removed", String.class, changes.removedSettings())
                    .bind("credentials", seal(secrets))
                    .bind("cps", changes.cps().orElse(null))
                    .bind("now", Rows.at(clock.instant()))
                    .map(PhoneNumberStore::phoneNumber)
                    .one());
        });
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
                .map(this::open));
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

    private byte[] seal(Map<String, String> secrets) {
        if (secrets.isEmpty()) {
            return null;
        }
        try {
            return cipher.encrypt(CREDENTIALS_JSON.writeValueAsBytes(secrets));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of strings is always JSON", e);
        }
    }

    private Map<String, String> open(byte[] sealed) {
        try {
            return CREDENTIALS_JSON.readValue(new String(cipher.decrypt(sealed), StandardCharsets.UTF_8), SECRETS);
        } catch (JsonProcessingException | IllegalStateException e) {
            throw new UnreadableCredentials();
        }
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
