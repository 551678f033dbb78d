package io.batchcall.store;

import io.batchcall.domain.IdSource;
import io.batchcall.domain.WorkspaceId;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * Appends events through the real outbox (and so its real fan-out to subscribed webhooks), for tests of what
 * happens to events after they are written: the sender, the delivery log, the feed.
 */
public final class OutboxFixture {
    private final Database database;
    private final Clock clock;
    private final Outbox outbox = new Outbox(IdSource.secure());

    public OutboxFixture(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    /** A recipient event of {@code batch}/{@code recipient}, ordered on the recipient's key; returns its id. */
    public String recipientEvent(
            WorkspaceId workspace, String type, String batch, String recipient, Map<String, Object> data) {
        return append(new Outbox.Event(
                workspace, type, Outbox.recipientKey(batch, recipient), batch, recipient, null, null, data));
    }

    public String batchEvent(WorkspaceId workspace, String type, String batch, Map<String, Object> data) {
        return append(new Outbox.Event(workspace, type, Outbox.batchKey(batch), batch, null, null, null, data));
    }

    private String append(Outbox.Event event) {
        database.jdbi().useTransaction(handle -> outbox.append(handle, List.of(event), clock.instant()));
        return database.jdbi()
                .withHandle(handle -> handle.createQuery(
                                "SELECT id FROM events WHERE workspace_id = :w ORDER BY seq DESC LIMIT 1")
                        .bind("w", event.workspace().value())
                        .mapTo(String.class)
                        .one());
    }
}
