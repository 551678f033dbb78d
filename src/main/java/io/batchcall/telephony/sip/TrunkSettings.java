package io.batchcall.telephony.sip;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A sip_trunk number's outbound trunk, as the phone-number API stored it ({@code settings.outbound_trunk}) plus
 * the password kept apart in its encrypted credentials: where INVITEs go, over which transport, with which extra
 * headers and codecs, and the digest credentials for challenges.
 */
record TrunkSettings(
        String host,
        int port,
        String transport,
        Map<String, String> headers,
        Map<String, String> attributesToHeaders,
        List<String> codecs,
        Optional<Credentials> credentials) {
    static final String PASSWORD_KEY = "outbound_password";
    private static final int DEFAULT_PORT = 5060;
    private static final ObjectMapper JSON = new ObjectMapper();

    record Credentials(String username, String password) {
        @Override
        public String toString() {
            return "Credentials[username=" + username + "]";
        }
    }

    /** What makes a number unable to place any call (the batch then fails with this reason). */
    static final class Unusable extends Exception {
        private static final long serialVersionUID = 1L;

        Unusable(String reason) {
            super(reason, null, false, false);
        }
    }

    static TrunkSettings parse(String settingsJson, Map<String, String> secrets) throws Unusable {
        JsonNode trunk;
        try {
            trunk = JSON.readTree(settingsJson).path("outbound_trunk");
        } catch (IOException e) {
            throw new Unusable("the number's settings are not JSON");
        }
        if (!trunk.isObject() || !trunk.path("address").isTextual()) {
            throw new Unusable("the sip_trunk number has no outbound_trunk_config");
        }
        var transport = switch (trunk.path("transport").asText("auto")) {
            case "auto", "udp" -> "udp";
            case "tcp" -> "tcp";
            case "tls" -> throw new Unusable("transport tls is not supported yet: use udp or tcp");
            default ->
                throw new Unusable(
                        "unknown transport " + trunk.path("transport").asText());
        };
        var address = trunk.path("address").asText().strip().replaceFirst("^sips?:", "");
        var hostAndPort = address.split(";", 2)[0];
        String host = hostAndPort;
        int port = DEFAULT_PORT;
        int colon = hostAndPort.lastIndexOf(':');
        if (colon > 0 && hostAndPort.indexOf(']') < colon) {
            host = hostAndPort.substring(0, colon);
            try {
                port = Integer.parseInt(hostAndPort.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new Unusable("the trunk address " + address + " has no valid port");
            }
        }
        if (host.isEmpty() || port < 1 || port > 65_535) {
            throw new Unusable("the trunk address " + address + " is not host[:port]");
        }
        Optional<Credentials> credentials = Optional.empty();
        if (trunk.path("username").isTextual()) {
            var password = secrets.get(PASSWORD_KEY);
            if (password == null) {
                throw new Unusable("the trunk has a username but no password");
            }
            credentials = Optional.of(new Credentials(trunk.path("username").asText(), password));
        }
        return new TrunkSettings(
                host,
                port,
                transport,
                textMap(trunk.path("headers")),
                textMap(trunk.path("attributes_to_headers")),
                textList(trunk.path("enabled_codecs")),
                credentials);
    }

    /** The headers a recipient's dynamic variables fill in, by the trunk's {@code attributes_to_headers}. */
    Map<String, String> headersFor(Optional<String> clientDataJson) {
        var result = new LinkedHashMap<>(headers);
        if (attributesToHeaders.isEmpty() || clientDataJson.isEmpty()) {
            return result;
        }
        try {
            var variables = JSON.readTree(clientDataJson.get()).path("dynamic_variables");
            attributesToHeaders.forEach((variable, header) -> {
                var value = variables.path(variable);
                if (value.isValueNode() && !value.isNull()) {
                    result.put(header, value.asText());
                }
            });
        } catch (IOException e) {
            // client data is validated JSON when a batch is submitted; unreadable data adds no headers
        }
        return result;
    }

    private static List<String> textList(JsonNode node) {
        var result = new java.util.ArrayList<String>();
        node.forEach(item -> result.add(item.asText()));
        return List.copyOf(result);
    }

    private static Map<String, String> textMap(JsonNode node) {
        var result = new LinkedHashMap<String, String>();
        if (node.isObject()) {
            node.properties()
                    .forEach(
                            entry -> result.put(entry.getKey(), entry.getValue().asText()));
        }
        return result;
    }
}
