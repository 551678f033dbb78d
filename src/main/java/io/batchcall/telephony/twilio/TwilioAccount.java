package io.batchcall.telephony.twilio;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/** The account a Twilio number belongs to: its SID (a setting) and auth token (a secret). */
record TwilioAccount(String sid, String token) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The account of a number, from its settings JSON and decrypted credentials; empty when either is missing. */
    static Optional<TwilioAccount> of(String settingsJson, Map<String, String> credentials) {
        try {
            var sid = JSON.readTree(settingsJson).path("sid").asText("");
            var token = credentials.getOrDefault("token", "");
            return sid.isBlank() || token.isBlank() ? Optional.empty() : Optional.of(new TwilioAccount(sid, token));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        // The token never reaches a log line through this record.
        return "TwilioAccount[sid=" + sid + "]";
    }
}
