package io.batchcall.telephony.exotel;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/**
 * What an Exotel number calls with: its account SID, API key and token (secrets), API host, the call flow its
 * calls run ({@code app_id}, or a full {@code applet_url}), and whether it streams calls straight to the agent's
 * media stream URL instead ({@code agent_stream}, our extension).
 */
record ExotelAccount(
        String sid,
        String apiKey,
        String apiToken,
        String subdomain,
        String appId,
        Optional<String> appletUrl,
        boolean agentStream) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The account of a number, from its settings JSON and decrypted credentials; empty when any part is missing. */
    static Optional<ExotelAccount> of(String settingsJson, Map<String, String> credentials) {
        try {
            var settings = JSON.readTree(settingsJson);
            var sid = settings.path("account_sid").asText("");
            var subdomain = settings.path("api_subdomain").asText("");
            var appId = settings.path("app_id").asText("");
            var appletUrl = Optional.of(settings.path("applet_url").asText("")).filter(url -> !url.isBlank());
            var key = credentials.getOrDefault("api_key", "");
            var token = credentials.getOrDefault("api_token", "");
            if (sid.isBlank() || key.isBlank() || token.isBlank() || subdomain.isBlank()) {
                return Optional.empty();
            }
            return Optional.of(new ExotelAccount(
                    sid,
                    key,
                    token,
                    subdomain,
                    appId,
                    appletUrl,
                    settings.path("agent_stream").asBoolean(false)));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The call flow a call runs once the customer answers: the applet URL override, else the app's start URL. */
    String flowUrl() {
        return appletUrl.orElse("http://my.exotel.com/" + sid + "/exoml/start_voice/" + appId);
    }

    @Override
    public String toString() {
        // The key and token never reach a log line through this record.
        return "ExotelAccount[sid=" + sid + ", subdomain=" + subdomain + "]";
    }
}
