package io.batchcall.telephony.whatsapp;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.batchcall.domain.PhoneNumber;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/**
 * One WhatsApp business number as the Graph API is called for it: its id (Meta's phone_number_id), the access
 * token from its encrypted credentials and the Graph version (its settings' {@code graph_version}, else the
 * configured one).
 */
record WhatsAppAccount(String phoneNumberId, String accessToken, String graphVersion) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Optional<WhatsAppAccount> of(PhoneNumber number, Map<String, String> credentials, String defaultVersion) {
        var token = Optional.ofNullable(credentials.get("access_token")).filter(t -> !t.isBlank());
        if (token.isEmpty()) {
            return Optional.empty();
        }
        var version = defaultVersion;
        try {
            var configured =
                    JSON.readTree(number.settingsJson()).path("graph_version").asText("");
            if (configured.matches("v\\d{1,3}\\.\\d{1,3}")) {
                version = configured;
            }
        } catch (IOException e) {
            // Settings are JSON the phone-number API wrote; unreadable ones leave the default.
        }
        return Optional.of(new WhatsAppAccount(number.id(), token.get(), version));
    }

    @Override
    public String toString() {
        return "WhatsAppAccount[" + phoneNumberId + "]"; // never the token
    }
}
