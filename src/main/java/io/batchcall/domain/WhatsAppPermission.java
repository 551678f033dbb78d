package io.batchcall.domain;

import java.time.Instant;
import java.util.Optional;

/**
 * What batchcall recorded of one WhatsApp user's call permission for one business number: whether it asked
 * (and when, with the request's message id), what the user answered, and how many calls in a row the user did not
 * pick up (Meta revokes a permission after four).
 */
public record WhatsAppPermission(
        WorkspaceId workspace,
        String phoneNumberId,
        String userWaId,
        Status status,
        Optional<String> requestMessageId,
        Optional<Instant> requestedAt,
        Optional<Instant> expiresAt,
        int unanswered,
        Optional<Instant> lastUnansweredAt) {
    public enum Status {
        REQUESTED("requested"),
        GRANTED("granted"),
        REFUSED("refused");

        private final String wireName;

        Status(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }

        public static Status fromWire(String name) {
            for (var status : values()) {
                if (status.wireName.equals(name)) {
                    return status;
                }
            }
            throw new IllegalArgumentException("unknown permission status " + name);
        }
    }
}
