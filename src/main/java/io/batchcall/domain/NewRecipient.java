package io.batchcall.domain;

import java.util.Optional;

/**
 * One person of a submission: an E.164 number (or a WhatsApp user id) and the client data (dynamic variables,
 * overrides) kept verbatim as JSON text.
 */
public record NewRecipient(
        String id, Optional<String> phoneNumber, Optional<String> whatsappUserId, Optional<String> clientDataJson) {
    public static final String ID_PREFIX = "rcp";
}
