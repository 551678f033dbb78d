package io.batchcall.store;

import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.Provider;
import io.batchcall.domain.WorkspaceId;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Single reads and locks on attempts. What happens to attempts after their claim is recorded in groups by
 * {@link AttemptLifecycle}.
 */
public final class AttemptStore {
    private final Jdbi jdbi;

    public AttemptStore(Database database) {
        this.jdbi = database.jdbi();
    }

    /**
     * Where an attempt was placed, and whether it ended without its provider reporting how its call ended (ended
     * here: its dial's answer was lost and the look-up found nothing, its batch was stopped before the dial, ...).
     */
    public record Placement(
            String phoneNumberId,
            Provider provider,
            Optional<String> providerCallId,
            boolean endedWithoutProviderStatus) {}

    /** The placement of an attempt, for checking a provider's callback about it; empty when there is none. */
    public Optional<Placement> placement(AttemptRef ref) {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT phone_number_id, provider, provider_call_id,
                               phase = 'ended' AND provider_status IS NULL AS ended_without_provider_status
                        FROM attempts
                        WHERE workspace_id = :workspaceId AND id = :id""")
                .bind("workspaceId", ref.workspaceId().value())
                .bind("id", ref.attemptId())
                .map((rs, ctx) -> new Placement(
                        rs.getString("phone_number_id"),
                        Provider.fromWire(rs.getString("provider")).orElseThrow(),
                        Rows.optionalText(rs, "provider_call_id"),
                        rs.getBoolean("ended_without_provider_status")))
                .findOne());
    }

    /**
     * Of {@code providerCallIds}, those another attempt holds, in any workspace: a provider's call id is global,
     * and two workspaces may share a provider account.
     */
    public Set<String> ownedByOthers(AttemptRef attempt, Provider provider, Collection<String> providerCallIds) {
        if (providerCallIds.isEmpty()) {
            return Set.of();
        }
        return jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT DISTINCT provider_call_id FROM attempts
                        WHERE provider = :provider AND provider_call_id = ANY(:providerCallIds)
                          AND NOT (workspace_id = :workspaceId AND id = :id)""")
                .bind("provider", provider.wireName())
                .bindArray("providerCallIds", String.class, List.copyOf(providerCallIds))
                .bind("workspaceId", attempt.workspaceId().value())
                .bind("id", attempt.attemptId())
                .mapTo(String.class)
                .set());
    }

    static void lockWorkspace(Handle handle, WorkspaceId workspace) {
        handle.createQuery("SELECT id FROM workspaces WHERE id = :workspaceId FOR NO KEY UPDATE")
                .bind("workspaceId", workspace.value())
                .mapTo(String.class)
                .findOne();
    }
}
