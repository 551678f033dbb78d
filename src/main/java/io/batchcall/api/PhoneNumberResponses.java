package io.batchcall.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.batchcall.domain.PhoneNumber;
import io.batchcall.domain.Provider;
import java.util.Map;

/**
 * A number as the {@code GetPhoneNumber*ResponseModel}s show it: every key of its provider's model (nullable
 * ones as explicit {@code null}), plus our {@code cps}. Secrets are not in the record, so they cannot leak here.
 */
final class PhoneNumberResponses {
    private PhoneNumberResponses() {}

    /** {@code agentNames}: names of live agents by id, for {@code assigned_agent}. */
    static ObjectNode of(PhoneNumber number, Map<String, String> agentNames) {
        var settings = settings(number);
        var shown = Json.MAPPER.createObjectNode();
        shown.put("phone_number", number.phoneNumber());
        shown.put("label", number.label());
        shown.put("supports_inbound", number.supportsInbound());
        shown.put("supports_outbound", number.supportsOutbound());
        shown.put("phone_number_id", number.id());
        var agentName = number.agentId().map(agentNames::get);
        if (agentName.isPresent()) {
            var agent = shown.putObject("assigned_agent");
            agent.put("agent_id", number.agentId().get());
            agent.put("agent_name", agentName.get());
            agent.set("environment", settings.path("environment").isTextual() ? settings.get("environment") : null);
            agent.set("branch_id", settings.path("branch_id").isTextual() ? settings.get("branch_id") : null);
        } else {
            shown.putNull("assigned_agent");
        }
        shown.put("provider", number.provider().wireName());
        if (number.provider() == Provider.SIP_TRUNK) {
            var outbound = settings.path("outbound_trunk") instanceof ObjectNode trunk
                    ? SipTrunkConfigs.response(trunk, true)
                    : null;
            shown.set("provider_config", outbound);
            shown.set("outbound_trunk", outbound);
            shown.set(
                    "inbound_trunk",
                    settings.path("inbound_trunk") instanceof ObjectNode trunk
                            ? SipTrunkConfigs.response(trunk, false)
                            : null);
            shown.put("livekit_stack", settings.path("livekit_stack").asText("standard"));
            shown.put("store_sip_messages", settings.path("store_sip_messages").asBoolean(true));
        }
        if (number.provider() == Provider.EXOTEL) {
            // Our extension: whether its calls stream straight to the agent's media_stream_url instead of the flow.
            shown.put("agent_stream", settings.path("agent_stream").asBoolean(false));
        }
        shown.put("cps", number.cps().doubleValue());
        return shown;
    }

    private static JsonNode settings(PhoneNumber number) {
        try {
            return Json.MAPPER.readTree(number.settingsJson());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("phone number settings are stored as jsonb", e);
        }
    }
}
