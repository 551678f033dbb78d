package io.batchcall.store;

import io.batchcall.domain.IdSource;
import io.batchcall.domain.PhoneNumber;
import io.batchcall.domain.Provider;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.PhoneNumberStore.Changes;
import io.batchcall.store.PhoneNumberStore.NewPhoneNumber;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The writes that carry a number's secrets: imports (a number, or a WhatsApp account under Meta's id) and PATCHes,
 * which seal them before SQL sees them. Each runs in the one statement or transaction it always did.
 */
final class PhoneNumberWrites {
    private final Jdbi jdbi;
    private final Clock clock;
    private final IdSource ids;
    private final PhoneNumberSecrets secrets;

    PhoneNumberWrites(Jdbi jdbi, Clock clock, IdSource ids, PhoneNumberSecrets secrets) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.ids = ids;
        this.secrets = secrets;
    }

    PhoneNumber create(WorkspaceId workspace, NewPhoneNumber number) {
        return jdbi.withHandle(handle -> insert(handle, workspace, ids.next(PhoneNumber.ID_PREFIX), number, "")
                .one());
    }

    /**
     * Imports a WhatsApp account as a number whose id is Meta's phone_number_id. Empty when that id is a live
     * account already, in this workspace or another (Meta routes webhooks by the id alone). An account deleted
     * from this workspace before is brought back with the new fields: its id is its primary key.
     */
    Optional<PhoneNumber> createWhatsAppAccount(WorkspaceId workspace, String phoneNumberId, NewPhoneNumber number) {
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
                                :now, :now)""" + onConflict + "\nRETURNING " + PhoneNumberStore.COLUMNS)
                .bind("workspaceId", workspace.value())
                .bind("id", id)
                .bind("provider", number.provider().wireName())
                .bind("phoneNumber", number.phoneNumber())
                .bind("label", number.label())
                .bind("agentId", number.agentId().orElse(null))
                .bind("settings", number.settingsJson())
                .bind("credentials", secrets.seal(number.credentials()))
                .bind("cps", number.cps())
                .bind("supportsInbound", number.supportsInbound())
                .bind("supportsOutbound", number.supportsOutbound())
                .bind("now", Rows.at(now))
                .map(PhoneNumberStore::phoneNumber);
    }

    /** Applies a PATCH in one transaction (secrets are merged, so they are read, changed and sealed again). */
    Optional<PhoneNumber> update(WorkspaceId workspace, String phoneNumberId, Changes changes) {
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
            // Sealed again only when the PATCH changes a secret: a PATCH of the label works on a number whose secrets
            // no longer open (sealed with another server key), and one that sends the secrets anew repairs it.
            var credentials = sealed.get().orElse(null);
            if (!changes.credentials().isEmpty()) {
                var stored = new HashMap<>(opened(sealed.get()));
                changes.credentials()
                        .forEach((key, value) ->
                                value.ifPresentOrElse(v -> stored.put(key, v), () -> stored.remove(key)));
                credentials = secrets.seal(stored);
            }
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
                            RETURNING\s""" + PhoneNumberStore.COLUMNS)
                    .bind("workspaceId", workspace.value())
                    .bind("id", phoneNumberId)
                    .bind("label", changes.label().orElse(null))
                    .bind("changeAgent", changes.agentId().changes())
                    .bind("agentId", changes.agentId().newValueOrNull())
                    .bind("settings", changes.settingsJson())
                    .bindArray("removed", String.class, changes.removedSettings())
                    .bind("credentials", credentials)
                    .bind("cps", changes.cps().orElse(null))
                    .bind("now", Rows.at(clock.instant()))
                    .map(PhoneNumberStore::phoneNumber)
                    .one());
        });
    }

    /** The stored secrets, or none when they cannot be opened with this server's key (the PATCH replaces them). */
    private Map<String, String> opened(Optional<byte[]> sealed) {
        try {
            return sealed.map(secrets::open).orElse(Map.of());
        } catch (PhoneNumberStore.UnreadableCredentials e) {
            return Map.of();
        }
    }
}
