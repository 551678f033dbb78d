package io.batchcall.telephony.twilio;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.batchcall.config.TelephonyConfig;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/**
 * The account a Twilio number belongs to: its SID (a setting) and auth token (a secret), and its
 * {@code region_config} when the number was imported with one: the Twilio Region and edge its calls are processed
 * in, whose REST API has its own host and its own auth token (the region's {@code token}).
 */
record TwilioAccount(String sid, String token, Optional<Region> region) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A Twilio Region ({@code us1}, {@code ie1}, {@code au1}) and the edge location to reach it through. */
    record Region(String id, String edge) {
        /** Twilio's regional REST host: {@code https://api.{edge}.{region}.twilio.com}. */
        String apiBase() {
            return "https://api." + edge + "." + id + ".twilio.com";
        }
    }

    TwilioAccount(String sid, String token) {
        this(sid, token, Optional.empty());
    }

    /** The account of a number, from its settings JSON and decrypted credentials; empty when either is missing. */
    static Optional<TwilioAccount> of(String settingsJson, Map<String, String> credentials) {
        try {
            var settings = JSON.readTree(settingsJson);
            var sid = settings.path("sid").asText("");
            var regionConfig = settings.path("region_config");
            var regionToken = credentials.getOrDefault("region_token", "");
            var region = regionConfig.path("region_id").isTextual()
                            && regionConfig.path("edge_location").isTextual()
                            && !regionToken.isBlank()
                    ? Optional.of(new Region(
                            regionConfig.get("region_id").asText(),
                            regionConfig.get("edge_location").asText()))
                    : Optional.<Region>empty();
            // A region's REST API authenticates with the region's own token.
            var token = region.isPresent() ? regionToken : credentials.getOrDefault("token", "");
            return sid.isBlank() || token.isBlank()
                    ? Optional.empty()
                    : Optional.of(new TwilioAccount(sid, token, region));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * The REST API base for this account: the configured one when it was set on purpose
     * ({@code BATCHCALL_TWILIO_API_BASE}, tests and proxies), else the region's host, else Twilio's default.
     */
    String apiBase(String configured) {
        if (!configured.equals(TelephonyConfig.DEFAULT_TWILIO_API_BASE)) {
            return configured;
        }
        return region.map(Region::apiBase).orElse(configured);
    }

    @Override
    public String toString() {
        // The tokens never reach a log line through this record.
        return "TwilioAccount[sid=" + sid + ", region="
                + region.map(r -> r.id() + "/" + r.edge()).orElse("-") + "]";
    }
}
