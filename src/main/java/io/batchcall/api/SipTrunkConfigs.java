package io.batchcall.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.batchcall.domain.Change;
import io.batchcall.domain.EgressPolicy;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads the {@code inbound_trunk_config} and {@code outbound_trunk_config} of a SIP trunk number into what
 * is stored: the non-secret settings (the username included, so the API can show it) and, apart, the password.
 */
final class SipTrunkConfigs {
    static final List<String> TRANSPORTS = List.of("auto", "udp", "tcp", "tls");
    static final List<String> MEDIA_ENCRYPTIONS = List.of("disabled", "allowed", "required");
    static final List<String> CODECS = List.of("G722/8000", "PCMU/8000", "PCMA/8000");
    static final String OUTBOUND_PASSWORD = "outbound_password";
    static final String INBOUND_PASSWORD = "inbound_password";

    private SipTrunkConfigs() {}

    /**
     * A trunk config as stored. {@code password}: set when given; kept when credentials name a username but no
     * password (the spec's "if not specified, then remain unchanged"); cleared when there are no credentials.
     */
    record Trunk(ObjectNode settings, Change<String> password) {}

    /** Only X- headers may be added: a trunk must not be handed routing, identity or auth headers by a workspace. */
    private static final Pattern CUSTOM_HEADER = Pattern.compile("(?i)X-[A-Za-z0-9!#$%&'*+.^_`|~-]+");

    static Trunk outbound(JsonBody config, EgressPolicy egress) {
        var settings = Json.MAPPER.createObjectNode();
        var address = config.requiredText("address");
        var refusal = egress.refusal(EgressPolicy.hostOfTrunkAddress(address));
        if (refusal.isPresent()) {
            config.violate("address", "Value error, " + refusal.get(), "value_error");
        }
        settings.put("address", address);
        settings.put("transport", config.optionalEnum("transport", TRANSPORTS).orElse("auto"));
        settings.put(
                "media_encryption",
                config.optionalEnum("media_encryption", MEDIA_ENCRYPTIONS).orElse("allowed"));
        var headers = config.optionalTextMap("headers").orElse(Map.of());
        headers.keySet().forEach(name -> customHeader(config, "headers", name, name));
        settings.set("headers", Json.MAPPER.valueToTree(headers));
        var attributesToHeaders =
                config.optionalTextMap("attributes_to_headers").orElse(Map.of());
        attributesToHeaders.forEach(
                (variable, header) -> customHeader(config, "attributes_to_headers", variable, header));
        settings.set("attributes_to_headers", Json.MAPPER.valueToTree(attributesToHeaders));
        var codecs = config.optionalTextList("enabled_codecs").orElse(List.of());
        for (int i = 0; i < codecs.size(); i++) {
            if (!CODECS.contains(codecs.get(i))) {
                config.violateAt(List.of("enabled_codecs", i), "Input should be " + JsonBody.oneOf(CODECS), "enum");
            }
        }
        settings.set("enabled_codecs", Json.MAPPER.valueToTree(codecs));
        return new Trunk(settings, credentials(config, settings));
    }

    private static void customHeader(JsonBody config, String field, String key, String header) {
        if (!CUSTOM_HEADER.matcher(header).matches()) {
            config.violateAt(
                    List.of(field, key),
                    "Value error, only custom X- headers may be added (such as" + " X-Customer-Id), got '" + header
                            + "'",
                    "value_error");
        }
    }

    static Trunk inbound(JsonBody config) {
        var settings = Json.MAPPER.createObjectNode();
        settings.set(
                "allowed_addresses",
                Json.MAPPER.valueToTree(
                        config.optionalTextList("allowed_addresses").orElse(List.of())));
        settings.set(
                "allowed_numbers",
                Json.MAPPER.valueToTree(
                        config.optionalTextList("allowed_numbers").orElse(null)));
        settings.put(
                "media_encryption",
                config.optionalEnum("media_encryption", MEDIA_ENCRYPTIONS).orElse("allowed"));
        settings.set(
                "remote_domains",
                Json.MAPPER.valueToTree(
                        config.optionalTextList("remote_domains").orElse(null)));
        settings.set(
                "attributes_to_headers",
                Json.MAPPER.valueToTree(
                        config.optionalTextMap("attributes_to_headers").orElse(Map.of())));
        return new Trunk(settings, credentials(config, settings));
    }

    private static Change<String> credentials(JsonBody config, ObjectNode settings) {
        var credentials = config.optionalObject("credentials");
        if (credentials.isEmpty()) {
            settings.putNull("username");
            return Change.clear();
        }
        settings.put("username", credentials.get().requiredText("username"));
        return credentials
                .get()
                .optionalText("password")
                .<Change<String>>map(Change::setTo)
                .orElse(Change.keep());
    }

    /** The trunk as the GET models show it: credentials only as {@code has_auth_credentials} and the username. */
    static ObjectNode response(ObjectNode stored, boolean outbound) {
        var shown = stored.deepCopy();
        shown.put("has_auth_credentials", stored.hasNonNull("username"));
        if (outbound) {
            shown.put("has_outbound_trunk", true);
        }
        return shown;
    }
}
