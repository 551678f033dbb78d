package io.batchcall.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import io.batchcall.domain.Change;
import io.batchcall.domain.EgressPolicy;
import io.batchcall.domain.Provider;
import io.batchcall.store.PhoneNumberStore;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the bodies of {@code POST} and {@code PATCH /v1/convai/phone-numbers}: the union on {@code provider}
 * (Twilio, SIP trunk, Exotel, and our simulator), each provider's secrets split from its settings.
 */
final class PhoneNumberRequests {
    static final List<String> CREATABLE = List.of("twilio", "sip_trunk", "exotel", "simulator");
    private static final List<String> TWILIO_REGIONS = List.of("us1", "ie1", "au1");
    private static final List<String> TWILIO_EDGES = List.of(
            "ashburn", "dublin", "frankfurt", "sao-paulo", "singapore", "sydney", "tokyo", "umatilla", "roaming");
    private static final List<String> EXOTEL_SUBDOMAINS = List.of("api.in.exotel.com", "api.exotel.com");
    private static final List<String> LIVEKIT_STACKS = List.of("standard", "static");
    private static final BigDecimal MAX_CPS = new BigDecimal("10000");
    private static final int CPS_DECIMAL_PLACES = 3;

    private PhoneNumberRequests() {}

    /** Reads a create request; the caller still checks that {@code agentId} is a live agent. */
    static PhoneNumberStore.NewPhoneNumber create(JsonBody body, EgressPolicy egress) {
        // The spec's union defaults provider to "twilio" (CreateTwilioPhoneNumberRequest is its first member).
        var provider = body.has("provider")
                ? body.raw("provider")
                        .filter(p -> p.isTextual())
                        .map(p -> p.textValue())
                        .filter(CREATABLE::contains)
                        .flatMap(Provider::fromWire)
                : Optional.of(Provider.TWILIO);
        if (provider.isEmpty()) {
            body.violate("provider", "Input should be " + JsonBody.oneOf(CREATABLE), "enum");
        }
        var phoneNumber = e164(body);
        var label = body.requiredText("label");
        var agentId = body.optionalText("agent_id");
        var supportsInbound = body.optionalBoolean("supports_inbound").orElse(true);
        var supportsOutbound = body.optionalBoolean("supports_outbound").orElse(true);
        var cps = cps(body);
        var settings = Json.MAPPER.createObjectNode();
        var secrets = new HashMap<String, String>();
        provider.ifPresent(p -> readProviderFields(p, body, settings, secrets, egress));
        body.throwIfInvalid();
        return new PhoneNumberStore.NewPhoneNumber(
                provider.orElseThrow(),
                phoneNumber,
                label,
                agentId,
                settings.toString(),
                secrets,
                cps.orElse(provider.orElseThrow().defaultCps()),
                supportsInbound,
                supportsOutbound);
    }

    private static void readProviderFields(
            Provider provider, JsonBody body, ObjectNode settings, Map<String, String> secrets, EgressPolicy egress) {
        switch (provider) {
            case TWILIO -> {
                settings.put("sid", body.requiredText("sid"));
                secrets.put("token", body.requiredText("token"));
                settings.put("enable_sms", body.optionalBoolean("enable_sms").orElse(true));
                settings.putNull("region_config");
                body.optionalObject("region_config").ifPresent(region -> {
                    var stored = settings.putObject("region_config");
                    stored.put("region_id", requiredEnum(region, "region_id", TWILIO_REGIONS));
                    stored.put("edge_location", requiredEnum(region, "edge_location", TWILIO_EDGES));
                    secrets.put("region_token", region.requiredText("token"));
                });
            }
            case SIP_TRUNK -> {
                settings.putNull("outbound_trunk");
                settings.putNull("inbound_trunk");
                body.optionalObject("outbound_trunk_config")
                        .map(c -> SipTrunkConfigs.outbound(c, egress))
                        .ifPresent(trunk -> {
                            settings.set("outbound_trunk", trunk.settings());
                            trunk.password()
                                    .setValue()
                                    .ifPresent(p -> secrets.put(SipTrunkConfigs.OUTBOUND_PASSWORD, p));
                        });
                body.optionalObject("inbound_trunk_config")
                        .map(SipTrunkConfigs::inbound)
                        .ifPresent(trunk -> {
                            settings.set("inbound_trunk", trunk.settings());
                            trunk.password()
                                    .setValue()
                                    .ifPresent(p -> secrets.put(SipTrunkConfigs.INBOUND_PASSWORD, p));
                        });
                settings.put("livekit_stack", "standard");
                settings.put("store_sip_messages", true);
            }
            case EXOTEL -> {
                settings.put("account_sid", body.requiredText("account_sid"));
                secrets.put("api_key", body.requiredText("api_key"));
                secrets.put("api_token", body.requiredText("api_token"));
                settings.put("api_subdomain", requiredEnum(body, "api_subdomain", EXOTEL_SUBDOMAINS));
                settings.put("app_id", body.requiredText("app_id"));
                settings.put("applet_url", body.optionalText("applet_url").orElse(null));
                settings.put(
                        "agent_stream", body.optionalBoolean("agent_stream").orElse(false));
            }
            case SIMULATOR, WHATSAPP -> {}
        }
    }

    /** A PATCH as read: what to store, and the branch it names (which must belong to the number's agent). */
    record Update(PhoneNumberStore.Changes changes, Optional<String> branchId) {}

    /** Reads a PATCH of a number of {@code provider}; the caller checks the agent and branch it names. */
    static Update update(JsonBody body, Provider provider, EgressPolicy egress) {
        var label = body.optionalText("label");
        Change<String> agentId = !body.has("agent_id")
                ? Change.keep()
                : body.optionalText("agent_id")
                        .<Change<String>>map(Change::setTo)
                        .orElse(Change.clear());
        var cps = cps(body);
        var settings = Json.MAPPER.createObjectNode();
        var removed = new HashSet<String>();
        var secrets = new HashMap<String, Optional<String>>();
        for (var field : List.of("environment", "branch_id")) {
            if (body.has(field)) {
                body.optionalText(field).ifPresentOrElse(value -> settings.put(field, value), () -> removed.add(field));
            }
        }
        if (agentId.changes() && !body.has("branch_id")) {
            removed.add("branch_id"); // a branch belongs to one agent: it does not follow the number to another
        }
        if (provider == Provider.SIP_TRUNK) {
            body.optionalObject("outbound_trunk_config")
                    .map(c -> SipTrunkConfigs.outbound(c, egress))
                    .ifPresent(trunk -> {
                        settings.set("outbound_trunk", trunk.settings());
                        changeSecret(secrets, SipTrunkConfigs.OUTBOUND_PASSWORD, trunk.password());
                    });
            body.optionalObject("inbound_trunk_config")
                    .map(SipTrunkConfigs::inbound)
                    .ifPresent(trunk -> {
                        settings.set("inbound_trunk", trunk.settings());
                        changeSecret(secrets, SipTrunkConfigs.INBOUND_PASSWORD, trunk.password());
                    });
            body.optionalEnum("livekit_stack", LIVEKIT_STACKS).ifPresent(stack -> settings.put("livekit_stack", stack));
            body.optionalBoolean("store_sip_messages").ifPresent(store -> settings.put("store_sip_messages", store));
        } else {
            for (var field :
                    List.of("outbound_trunk_config", "inbound_trunk_config", "livekit_stack", "store_sip_messages")) {
                body.raw(field)
                        .ifPresent(value -> body.violate(
                                field, "Value error, only sip_trunk numbers have this setting", "value_error"));
            }
        }
        readAccountChanges(provider, body, settings, secrets);
        if (provider == Provider.EXOTEL) {
            body.optionalBoolean("agent_stream").ifPresent(stream -> settings.put("agent_stream", stream));
        } else {
            body.raw("agent_stream")
                    .ifPresent(value -> body.violate(
                            "agent_stream", "Value error, only exotel numbers have this setting", "value_error"));
        }
        body.throwIfInvalid();
        var branchId = Optional.ofNullable(settings.get("branch_id")).map(b -> b.textValue());
        return new Update(
                new PhoneNumberStore.Changes(label, agentId, settings.toString(), removed, secrets, cps), branchId);
    }

    /**
     * The account fields of a Twilio or Exotel number a PATCH may change (our extension; ElevenLabs' PATCH has none):
     * rotating an auth token, moving the number to another account. Before, they were ignored with a 200, and a
     * rotated token kept failing every dial. {@code null} keeps a field, as it keeps {@code label}; a Twilio
     * {@code region_config} of {@code null} removes the region. Another provider's account fields are a 422.
     */
    private static void readAccountChanges(
            Provider provider, JsonBody body, ObjectNode settings, Map<String, Optional<String>> secrets) {
        switch (provider) {
            case TWILIO -> {
                nonBlank(body, "sid").ifPresent(sid -> settings.put("sid", sid));
                nonBlank(body, "token").ifPresent(token -> secrets.put("token", Optional.of(token)));
                if (body.has("region_config") && body.raw("region_config").isEmpty()) {
                    settings.putNull("region_config");
                    secrets.put("region_token", Optional.empty());
                }
                body.optionalObject("region_config").ifPresent(region -> {
                    var stored = settings.putObject("region_config");
                    stored.put("region_id", requiredEnum(region, "region_id", TWILIO_REGIONS));
                    stored.put("edge_location", requiredEnum(region, "edge_location", TWILIO_EDGES));
                    secrets.put("region_token", Optional.of(region.requiredNonBlankText("token")));
                });
            }
            case EXOTEL -> {
                nonBlank(body, "account_sid").ifPresent(sid -> settings.put("account_sid", sid));
                nonBlank(body, "api_key").ifPresent(key -> secrets.put("api_key", Optional.of(key)));
                nonBlank(body, "api_token").ifPresent(token -> secrets.put("api_token", Optional.of(token)));
                body.optionalEnum("api_subdomain", EXOTEL_SUBDOMAINS)
                        .ifPresent(subdomain -> settings.put("api_subdomain", subdomain));
                nonBlank(body, "app_id").ifPresent(app -> settings.put("app_id", app));
                body.optionalText("applet_url").ifPresent(url -> settings.put("applet_url", url));
            }
            default -> {}
        }
        for (var owner : ACCOUNT_FIELDS.entrySet()) {
            if (owner.getKey() == provider) {
                continue;
            }
            for (var field : owner.getValue()) {
                body.raw(field)
                        .ifPresent(value -> body.violate(
                                field,
                                "Value error, only " + owner.getKey().wireName() + " numbers have this setting",
                                "value_error"));
            }
        }
    }

    /** The account fields each provider's numbers have, as a PATCH names them. */
    private static final Map<Provider, List<String>> ACCOUNT_FIELDS = Map.of(
            Provider.TWILIO,
            List.of("sid", "token", "region_config"),
            Provider.EXOTEL,
            List.of("account_sid", "api_key", "api_token", "api_subdomain", "app_id", "applet_url"));

    /** A field that, when given, must be a non-blank string; empty when absent or null. */
    private static Optional<String> nonBlank(JsonBody body, String field) {
        var text = body.optionalText(field);
        if (text.filter(String::isBlank).isPresent()) {
            body.violate(field, "String should have at least 1 character", "string_too_short");
            return Optional.empty();
        }
        return text;
    }

    private static void changeSecret(Map<String, Optional<String>> secrets, String key, Change<String> change) {
        switch (change) {
            case Change.SetTo<String>(var value) -> secrets.put(key, Optional.of(value));
            case Change.Clear<String>() -> secrets.put(key, Optional.empty());
            case Change.Keep<String>() -> {}
        }
    }

    /** The number in E.164, or a 422 on {@code phone_number}. */
    private static String e164(JsonBody body) {
        var text = body.requiredText("phone_number");
        if (!body.raw("phone_number").map(n -> n.isTextual()).orElse(false)) {
            return text;
        }
        var numbers = PhoneNumberUtil.getInstance();
        try {
            var parsed = numbers.parse(text, null);
            if (numbers.isValidNumber(parsed)) {
                return numbers.format(parsed, PhoneNumberUtil.PhoneNumberFormat.E164);
            }
        } catch (NumberParseException e) {
            // reported below, like a number that parses but is not valid
        }
        body.violate(
                "phone_number",
                "Value error, value is not a valid phone number in E.164 form (+ and country code)",
                "value_error");
        return text;
    }

    private static Optional<BigDecimal> cps(JsonBody body) {
        var cps = body.optionalDecimal("cps");
        cps.ifPresent(value -> {
            if (value.signum() <= 0) {
                body.violate("cps", "Input should be greater than 0", "greater_than");
            } else if (value.compareTo(MAX_CPS) > 0) {
                body.violate("cps", "Input should be less than or equal to " + MAX_CPS, "less_than_equal");
            } else if (value.stripTrailingZeros().scale() > CPS_DECIMAL_PLACES) {
                body.violate(
                        "cps",
                        "Decimal input should have no more than " + CPS_DECIMAL_PLACES + " decimal places",
                        "decimal_max_places");
            }
        });
        return cps;
    }

    private static String requiredEnum(JsonBody body, String field, List<String> allowed) {
        var present = body.raw(field).filter(v -> v.isTextual()).isPresent();
        var value = body.requiredText(field);
        if (present && !allowed.contains(value)) {
            body.violate(field, "Input should be " + JsonBody.oneOf(allowed), "enum");
        }
        return value;
    }
}
