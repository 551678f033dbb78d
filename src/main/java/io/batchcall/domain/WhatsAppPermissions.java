package io.batchcall.domain;

import java.time.Instant;
import java.util.Optional;

/**
 * The WhatsApp provider's durable memory of call permissions (the store implements it; the provider sees only
 * this port). A reply wakes the recipients held for it, so that the next claim dials them or ends them.
 */
public interface WhatsAppPermissions {
    /** The permission-request template a batch names in its {@code whatsapp_params}. */
    record Template(String name, String languageCode) {}

    /** The workspace that holds the WhatsApp account {@code phoneNumberId}, if any does. */
    Optional<WorkspaceId> workspaceOf(String phoneNumberId);

    Optional<WhatsAppPermission> find(WorkspaceId workspace, String phoneNumberId, String userWaId);

    /** The batch's permission-request template, when it names one. */
    Optional<Template> template(WorkspaceId workspace, String batchId);

    /**
     * We sent a permission request (message {@code messageId}) at {@code at}, the instant before it was sent. A reply
     * written since (it can come before this is recorded) is kept.
     */
    void requested(WorkspaceId workspace, String phoneNumberId, String userWaId, String messageId, Instant at);

    /** The user granted the permission (until {@code expiresAt}; none: permanent); held recipients are woken. */
    void granted(WorkspaceId workspace, String phoneNumberId, String userWaId, Optional<Instant> expiresAt, Instant at);

    /** The user (or Meta, automatically) refused or revoked it; held recipients are woken to be ended. */
    void refused(WorkspaceId workspace, String phoneNumberId, String userWaId, Instant at);

    /** Wakes the user's recipients held for the permission (its reply came while one was being held). */
    void wakeHeld(WorkspaceId workspace, String phoneNumberId, String userWaId, Instant at);

    /** A call to the user ended: unanswered (no answer, rejected) counts a strike, a connected call clears them. */
    void callEnded(WorkspaceId workspace, String phoneNumberId, String userWaId, boolean unanswered, Instant at);
}
