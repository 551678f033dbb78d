package io.batchcall.domain;

import java.util.Optional;

/**
 * One person of a submission: an E.164 number (or a WhatsApp user id), the client data (dynamic variables,
 * overrides) kept verbatim as JSON text, and the time zone and region when given (our extension, for calling
 * windows).
 */
public record NewRecipient(
        String id,
        Optional<String> phoneNumber,
        Optional<String> whatsappUserId,
        Optional<String> clientDataJson,
        Optional<String> timezone,
        Optional<String> region) {
    public static final String ID_PREFIX = "rcp";

    /** A recipient without a time zone or region of its own. */
    public NewRecipient(
            String id, Optional<String> phoneNumber, Optional<String> whatsappUserId, Optional<String> clientDataJson) {
        this(id, phoneNumber, whatsappUserId, clientDataJson, Optional.empty(), Optional.empty());
    }
}
