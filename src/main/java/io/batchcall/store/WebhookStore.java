package io.batchcall.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.WebhookEndpoint;
import io.batchcall.domain.WebhookSecret;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.wire.WireJson;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Workspace webhooks (ElevenLabs' {@code /v1/workspace/webhooks}) and the workspace's post-call settings
 * ({@code /v1/convai/settings}). Secrets are sealed with the node's secret key and leave this class only when
 * created or rotated (to be shown once) and to the sender, which signs with them.
 */
public final class WebhookStore {
    private static final TypeReference<Map<String, String>> HEADERS = new TypeReference<>() {};
    private static final String COLUMNS = """
            workspace_id, id, name, url, request_headers::text AS request_headers, event_types, retry_enabled,
            is_disabled, is_auto_disabled, disabled_reason, consecutive_failures, last_success_at,
            most_recent_failure_error_code, most_recent_failure_at, previous_secret_until, created_at""";

    private final Jdbi jdbi;
    private final Clock clock;
    private final CredentialCipher cipher;
    private final IdSource ids;
    private final SecureRandom random = new SecureRandom();

    public WebhookStore(Database database, Clock clock, CredentialCipher cipher, IdSource ids) {
        this.jdbi = database.jdbi();
        this.clock = clock;
        this.cipher = cipher;
        this.ids = ids;
    }

    public record NewWebhook(
            String name,
            String url,
            Map<String, String> requestHeaders,
            List<String> eventTypes,
            boolean retryEnabled) {}

    /** A webhook just created or re-keyed, with its secret: the only time the secret is shown. */
    public record Keyed(String id, WebhookSecret secret, Optional<Instant> previousSecretUntil) {}

    /** ElevenLabs' PATCH: name and is_disabled always; the rest when present. */
    public record WebhookUpdate(
            String name,
            boolean disabled,
            Optional<Boolean> retryEnabled,
            Optional<Map<String, String>> requestHeaders,
            Optional<List<String>> eventTypes,
            Optional<String> url) {}

    /**
     * The workspace's ElevenLabs post-call settings: which webhook receives post-call events, which of them
     * ({@code transcript}, {@code call_initiation_failure}; none = both), and every other settings field as JSON.
     */
    public record ConvaiSettings(
            Optional<String> postCallWebhookId, List<String> webhookEvents, String otherSettingsJson) {}

    public Keyed create(WorkspaceId workspace, NewWebhook webhook) {
        var secret = WebhookSecret.generate(random);
        var id = ids.next("whk");
        var now = Rows.at(clock.instant());
        jdbi.useHandle(handle -> handle.createUpdate("""
                        INSERT INTO webhook_endpoints (workspace_id, id, name, url, secret, request_headers,
                            event_types, retry_enabled, created_at, updated_at)
                        VALUES (:workspace, :id, :name, :url, :secret, CAST(:headers AS jsonb), :eventTypes,
                            :retryEnabled, :now, :now)""")
                .bind("workspace", workspace.value())
                .bind("id", id)
                .bind("name", webhook.name())
                .bind("url", webhook.url())
                .bind("secret", seal(secret))
                .bind("headers", json(webhook.requestHeaders()))
                .bindArray("eventTypes", String.class, webhook.eventTypes())
                .bind("retryEnabled", webhook.retryEnabled())
                .bind("now", now)
                .execute());
        return new Keyed(id, secret, Optional.empty());
    }

    public List<WebhookEndpoint> list(WorkspaceId workspace) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT " + COLUMNS + """
                         FROM webhook_endpoints
                        WHERE workspace_id = :workspace AND deleted_at IS NULL
                        ORDER BY created_at DESC, id DESC""")
                .bind("workspace", workspace.value())
                .map((rs, ctx) -> endpoint(rs))
                .list());
    }

    public Optional<WebhookEndpoint> find(WorkspaceId workspace, String id) {
        return jdbi.withHandle(handle -> find(handle, workspace, id));
    }

    private static Optional<WebhookEndpoint> find(Handle handle, WorkspaceId workspace, String id) {
        return handle.createQuery("SELECT " + COLUMNS + """
                         FROM webhook_endpoints
                        WHERE workspace_id = :workspace AND id = :id AND deleted_at IS NULL""")
                .bind("workspace", workspace.value())
                .bind("id", id)
                .map((rs, ctx) -> endpoint(rs))
                .findOne();
    }

    /**
     * Applies a PATCH. Enabling a webhook that was disabled automatically clears its failure count and resumes
     * its held deliveries, due at once, in their order (nothing was dropped while it was off).
     */
    public Optional<WebhookEndpoint> update(WorkspaceId workspace, String id, WebhookUpdate update) {
        return jdbi.inTransaction(handle -> {
            var current = handle.createQuery("""
                            SELECT is_auto_disabled FROM webhook_endpoints
                            WHERE workspace_id = :workspace AND id = :id AND deleted_at IS NULL FOR UPDATE""")
                    .bind("workspace", workspace.value())
                    .bind("id", id)
                    .mapTo(Boolean.class)
                    .findOne();
            if (current.isEmpty()) {
                return Optional.<WebhookEndpoint>empty();
            }
            boolean resume = current.get() && !update.disabled();
            var now = Rows.at(clock.instant());
            handle.createUpdate("""
                            UPDATE webhook_endpoints
                               SET name = :name, is_disabled = :disabled,
                                   retry_enabled = COALESCE(:retryEnabled, retry_enabled),
                                   request_headers = COALESCE(CAST(:headers AS jsonb), request_headers),
                                   event_types = CASE WHEN :setEventTypes THEN :eventTypes ELSE event_types END,
                                   url = COALESCE(:url, url),
                                   is_auto_disabled = is_auto_disabled AND NOT :resume,
                                   disabled_reason = CASE WHEN :resume THEN NULL ELSE disabled_reason END,
                                   consecutive_failures = CASE WHEN :resume THEN 0 ELSE consecutive_failures END,
                                   updated_at = :now
                             WHERE workspace_id = :workspace AND id = :id""")
                    .bind("workspace", workspace.value())
                    .bind("id", id)
                    .bind("name", update.name())
                    .bind("disabled", update.disabled())
                    .bind("retryEnabled", update.retryEnabled().orElse(null))
                    .bind(
                            "headers",
                            update.requestHeaders().map(WebhookStore::json).orElse(null))
                    .bind("setEventTypes", update.eventTypes().isPresent())
                    .bindArray("eventTypes", String.class, update.eventTypes().orElse(List.of()))
                    .bind("url", update.url().orElse(null))
                    .bind("resume", resume)
                    .bind("now", now)
                    .execute();
            if (resume) {
                int resumed = handle.createUpdate("""
                                UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = :now
                                WHERE workspace_id = :workspace AND endpoint_id = :id AND state = 'held'""")
                        .bind("workspace", workspace.value())
                        .bind("id", id)
                        .bind("now", now)
                        .execute();
                if (resumed > 0) {
                    handle.execute("SELECT pg_notify('" + Outbox.DELIVERIES + "', '')");
                }
            }
            return find(handle, workspace, id);
        });
    }

    /**
     * Deletes a webhook: it receives nothing more, its open deliveries are closed as failed (they stay in the
     * log), and the post-call settings stop naming it.
     */
    public boolean delete(WorkspaceId workspace, String id) {
        return jdbi.inTransaction(handle -> {
            var now = Rows.at(clock.instant());
            int deleted = handle.createUpdate("""
                            UPDATE webhook_endpoints SET deleted_at = :now, updated_at = :now
                            WHERE workspace_id = :workspace AND id = :id AND deleted_at IS NULL""")
                    .bind("workspace", workspace.value())
                    .bind("id", id)
                    .bind("now", now)
                    .execute();
            if (deleted == 0) {
                return false;
            }
            handle.createUpdate("""
                            UPDATE webhook_deliveries
                               SET state = 'failed', last_error = 'webhook deleted', lease_owner = NULL,
                                   lease_until = NULL
                             WHERE workspace_id = :workspace AND endpoint_id = :id
                               AND state IN ('pending', 'in_flight', 'held')""")
                    .bind("workspace", workspace.value())
                    .bind("id", id)
                    .execute();
            handle.createUpdate("""
                            UPDATE convai_settings SET post_call_webhook_id = NULL, updated_at = :now
                            WHERE workspace_id = :workspace AND post_call_webhook_id = :id""")
                    .bind("workspace", workspace.value())
                    .bind("id", id)
                    .bind("now", now)
                    .execute();
            return true;
        });
    }

    /**
     * A new secret; the current one keeps signing (as a second {@code webhook-signature} entry, and as the only
     * {@code ElevenLabs-Signature}) until {@code grace} has passed or the rotation is completed.
     */
    public Optional<Keyed> rotateSecret(WorkspaceId workspace, String id, Duration grace) {
        var secret = WebhookSecret.generate(random);
        var until = clock.instant().plus(grace);
        int rotated = jdbi.withHandle(handle -> handle.createUpdate("""
                        UPDATE webhook_endpoints
                           SET previous_secret = secret, previous_secret_until = :until, secret = :secret,
                               updated_at = :now
                         WHERE workspace_id = :workspace AND id = :id AND deleted_at IS NULL""")
                .bind("workspace", workspace.value())
                .bind("id", id)
                .bind("secret", seal(secret))
                .bind("until", Rows.at(until))
                .bind("now", Rows.at(clock.instant()))
                .execute());
        return rotated == 0 ? Optional.empty() : Optional.of(new Keyed(id, secret, Optional.of(until)));
    }

    /** Ends a rotation's grace period now: only the new secret signs from here on. */
    public boolean completeRotation(WorkspaceId workspace, String id) {
        return jdbi.withHandle(handle -> handle.createUpdate("""
                        UPDATE webhook_endpoints
                           SET previous_secret = NULL, previous_secret_until = NULL, updated_at = :now
                         WHERE workspace_id = :workspace AND id = :id AND deleted_at IS NULL""")
                        .bind("workspace", workspace.value())
                        .bind("id", id)
                        .bind("now", Rows.at(clock.instant()))
                        .execute())
                > 0;
    }

    public ConvaiSettings settings(WorkspaceId workspace) {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT post_call_webhook_id, webhook_events, settings::text AS settings
                        FROM convai_settings WHERE workspace_id = :workspace""")
                .bind("workspace", workspace.value())
                .map((rs, ctx) -> new ConvaiSettings(
                        Rows.optionalText(rs, "post_call_webhook_id"),
                        Arrays.asList((String[]) rs.getArray("webhook_events").getArray()),
                        rs.getString("settings")))
                .findOne()
                .orElse(new ConvaiSettings(Optional.empty(), List.of(), "{}")));
    }

    /**
     * Replaces the settings. A post-call webhook id that is not a live webhook of the workspace is refused
     * (false), checked in the same statement, so that a concurrent delete cannot leave it dangling unnoticed.
     */
    public boolean saveSettings(WorkspaceId workspace, ConvaiSettings settings) {
        return jdbi.inTransaction(handle -> {
            if (settings.postCallWebhookId().isPresent()) {
                var exists = handle.createQuery("""
                                SELECT 1 FROM webhook_endpoints
                                WHERE workspace_id = :workspace AND id = :id AND deleted_at IS NULL FOR SHARE""")
                        .bind("workspace", workspace.value())
                        .bind("id", settings.postCallWebhookId().get())
                        .mapTo(Integer.class)
                        .findOne();
                if (exists.isEmpty()) {
                    return false;
                }
            }
            handle.createUpdate("""
                            INSERT INTO convai_settings (workspace_id, post_call_webhook_id, webhook_events, settings,
                                updated_at)
                            VALUES (:workspace, :webhookId, :events, CAST(:settings AS jsonb), :now)
                            ON CONFLICT (workspace_id) DO UPDATE
                               SET post_call_webhook_id = EXCLUDED.post_call_webhook_id,
                                   webhook_events = EXCLUDED.webhook_events, settings = EXCLUDED.settings,
                                   updated_at = EXCLUDED.updated_at""")
                    .bind("workspace", workspace.value())
                    .bind("webhookId", settings.postCallWebhookId().orElse(null))
                    .bindArray("events", String.class, settings.webhookEvents())
                    .bind("settings", settings.otherSettingsJson())
                    .bind("now", Rows.at(clock.instant()))
                    .execute();
            return true;
        });
    }

    private byte[] seal(WebhookSecret secret) {
        return cipher.encrypt(secret.value().getBytes(StandardCharsets.UTF_8));
    }

    static String json(Map<String, String> headers) {
        try {
            return WireJson.MAPPER.writeValueAsString(headers);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of strings always serialises", e);
        }
    }

    static Map<String, String> headers(String json) {
        try {
            return WireJson.MAPPER.readValue(json, HEADERS);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("request_headers is always a JSON object of strings", e);
        }
    }

    private static WebhookEndpoint endpoint(ResultSet rs) throws SQLException {
        return new WebhookEndpoint(
                new WorkspaceId(rs.getString("workspace_id")),
                rs.getString("id"),
                rs.getString("name"),
                rs.getString("url"),
                headers(rs.getString("request_headers")),
                Arrays.asList((String[]) rs.getArray("event_types").getArray()),
                rs.getBoolean("retry_enabled"),
                rs.getBoolean("is_disabled"),
                rs.getBoolean("is_auto_disabled"),
                Rows.optionalText(rs, "disabled_reason"),
                rs.getInt("consecutive_failures"),
                Rows.optionalInstant(rs, "last_success_at"),
                Optional.ofNullable((Integer) rs.getObject("most_recent_failure_error_code")),
                Rows.optionalInstant(rs, "most_recent_failure_at"),
                Rows.optionalInstant(rs, "previous_secret_until"),
                Rows.instant(rs, "created_at"));
    }
}
