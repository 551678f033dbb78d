package io.batchcall.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.domain.Batch;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.MachineDetection;
import io.batchcall.domain.NewRecipient;
import io.batchcall.domain.TelephonyCallConfig;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A submit request's body, read and checked field by field: every shape error is collected with its exact loc
 * (the whole list is one 422). References to other objects (agent, branch, number) are checked afterwards by
 * {@link BatchRoutes}, as FastAPI validates the body before the handler runs.
 */
record Submission(
        String name,
        String agentId,
        Optional<String> phoneNumberId,
        Optional<String> branchId,
        Optional<String> environment,
        Optional<String> timezone,
        Optional<String> whatsappParamsJson,
        TelephonyCallConfig callConfig,
        Optional<Integer> targetConcurrencyLimit,
        Instant scheduledAt,
        List<NewRecipient> recipients) {
    private static final int MAX_RECIPIENT_ID_LENGTH = 128;
    private static final Set<String> IANA_ZONES = ZoneId.getAvailableZoneIds();
    /** A recipient's region: an ISO 3166-1 country ({@code GB}) or a 3166-2 subdivision ({@code US-FL}). */
    static final java.util.regex.Pattern REGION = java.util.regex.Pattern.compile("[A-Za-z]{2}(-[A-Za-z0-9]{1,3})?");

    boolean whatsapp() {
        return whatsappParamsJson.isPresent();
    }

    /** The WhatsApp account a WhatsApp batch names in {@code whatsapp_params}, if it names one. */
    Optional<String> whatsappPhoneNumberId() {
        return whatsappParamsJson.flatMap(json -> {
            try {
                var id = Json.MAPPER.readTree(json).path("whatsapp_phone_number_id");
                return id.isTextual() ? Optional.of(id.textValue()) : Optional.empty();
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("whatsapp_params was read from JSON", e);
            }
        });
    }

    /** Reads the body; throws the 422 listing every problem when there is any. */
    static Submission read(JsonBody body, Instant now, IdSource ids) {
        var name = body.requiredNonBlankText("call_name");
        var agentId = body.requiredText("agent_id");
        var phoneNumberId = body.optionalText("agent_phone_number_id");
        var branchId = body.optionalText("branch_id");
        var environment = body.optionalText("environment");
        var timezone = body.optionalText("timezone");
        timezone.filter(zone -> !isIanaZone(zone))
                .ifPresent(zone -> body.violate(
                        "timezone", "Value error, not an IANA time zone name such as Europe/Berlin", "value_error"));
        var whatsappParams = whatsappParams(body);
        var callConfig = callConfig(body);
        var target = body.optionalInt("target_concurrency_limit");
        body.atLeast("target_concurrency_limit", target, 1);
        var scheduled = body.optionalUnixTime("scheduled_time_unix")
                .filter(at -> at.isAfter(now))
                .orElse(now);
        var recipients = recipients(body, whatsappParams.isPresent(), ids);
        body.throwIfInvalid();
        return new Submission(
                name,
                agentId,
                phoneNumberId,
                branchId,
                environment,
                timezone,
                whatsappParams,
                callConfig,
                target,
                scheduled,
                recipients);
    }

    static boolean isIanaZone(String zone) {
        try {
            return IANA_ZONES.contains(zone) && ZoneId.of(zone) != null;
        } catch (DateTimeException e) {
            return false;
        }
    }

    private static Optional<String> whatsappParams(JsonBody body) {
        return body.optionalObject("whatsapp_params").map(params -> {
            params.optionalText("whatsapp_phone_number_id");
            params.requiredNonBlankText("whatsapp_call_permission_request_template_name");
            params.requiredNonBlankText("whatsapp_call_permission_request_template_language_code");
            return params.node().toString();
        });
    }

    static TelephonyCallConfig callConfig(JsonBody body) {
        var config = body.optionalObject("telephony_call_config");
        if (config.isEmpty()) {
            return TelephonyCallConfig.defaults();
        }
        var reader = config.get();
        var ringing = reader.optionalInt("ringing_timeout_secs");
        reader.atLeast("ringing_timeout_secs", ringing, TelephonyCallConfig.MIN_RINGING_TIMEOUT_SECS);
        reader.atMost("ringing_timeout_secs", ringing, TelephonyCallConfig.MAX_RINGING_TIMEOUT_SECS);
        var recording = reader.optionalBoolean("twilio_call_recording_enabled").orElse(false);
        var detection = reader.optionalObject("twilio_machine_detection")
                .map(amd -> {
                    var mode = amd.optionalText("mode").orElse(MachineDetection.ENABLE.wireName());
                    var parsed = MachineDetection.fromWire(mode);
                    if (parsed.isEmpty()) {
                        amd.violate("mode", "Input should be 'enable' or 'detect_message_end'", "literal_error");
                    }
                    return parsed;
                })
                .flatMap(mode -> mode);
        if (!reader.valid()) {
            return TelephonyCallConfig.defaults();
        }
        return new TelephonyCallConfig(
                ringing.orElse(TelephonyCallConfig.DEFAULT_RINGING_TIMEOUT_SECS), recording, detection);
    }

    /** The {@code recipients} list, checked as a submit checks it; appending recipients reads it the same way. */
    static List<NewRecipient> recipients(JsonBody body, boolean whatsapp, IdSource ids) {
        if (body.raw("recipients").isEmpty()) {
            body.violate("recipients", "Field required", "missing");
            return List.of();
        }
        var elements = body.optionalObjectArray("recipients").orElse(List.of());
        int count = body.raw("recipients").map(JsonNode::size).orElse(0);
        if (body.raw("recipients").filter(JsonNode::isArray).isPresent()) {
            if (count == 0) {
                body.violate("recipients", "List should have at least 1 item after validation, not 0", "too_short");
            } else if (count > Batch.MAX_RECIPIENTS) {
                body.violate(
                        "recipients",
                        "List should have at most " + Batch.MAX_RECIPIENTS + " items after validation, not " + count,
                        "too_long");
                return List.of();
            }
        }
        // The costly pure parts first, for every recipient at once (in parallel when many); the loop below then
        // reports each recipient's problems in order, as before.
        var phones = E164.normaliseAll(elements.stream()
                .map(recipient -> recipient
                        .raw("phone_number")
                        .filter(JsonNode::isTextual)
                        .map(JsonNode::textValue)
                        .orElse(null))
                .toList());
        var clientDataTexts = InOrder.map(
                elements,
                recipient -> recipient
                        .raw("conversation_initiation_client_data")
                        .filter(JsonNode::isObject)
                        .map(Submission::text)
                        .orElse(null));
        var recipients = new ArrayList<NewRecipient>(elements.size());
        var firstIndexOfNumber = new HashMap<String, Integer>();
        var firstIndexOfWhatsapp = new HashMap<String, Integer>();
        var firstIndexOfId = new HashMap<String, Integer>();
        for (int i = 0; i < elements.size(); i++) {
            final int index = i;
            var recipient = elements.get(index);
            var id = recipient.optionalText("id").map(String::strip);
            id.filter(value -> value.isEmpty() || value.length() > MAX_RECIPIENT_ID_LENGTH)
                    .ifPresent(value -> recipient.violate(
                            "id",
                            "String should have 1 to " + MAX_RECIPIENT_ID_LENGTH + " characters",
                            "string_too_long"));
            id.ifPresent(value -> duplicate(recipient, "id", value, index, firstIndexOfId, "id"));
            var phone = recipient.optionalText("phone_number").flatMap(text -> {
                var e164 = phones.get(index);
                if (e164.isEmpty()) {
                    recipient.violate("phone_number", E164.invalidMessage(), "value_error");
                }
                return e164;
            });
            phone.ifPresent(
                    number -> duplicate(recipient, "phone_number", number, index, firstIndexOfNumber, "phone number"));
            var whatsappUser = recipient
                    .optionalText("whatsapp_user_id")
                    .map(String::strip)
                    .filter(s -> !s.isEmpty());
            whatsappUser.ifPresent(user ->
                    duplicate(recipient, "whatsapp_user_id", user, index, firstIndexOfWhatsapp, "WhatsApp user"));
            boolean hasPhone = recipient.raw("phone_number").isPresent();
            if (!hasPhone && !(whatsapp && whatsappUser.isPresent())) {
                recipient.violate(
                        "phone_number",
                        whatsapp
                                ? "Field required: a recipient needs a phone_number or a whatsapp_user_id"
                                : "Field required: a recipient needs a phone_number (whatsapp_user_id is for WhatsApp"
                                        + " batches, which set whatsapp_params)",
                        "missing");
            }
            var clientData = recipient
                    .optionalObject("conversation_initiation_client_data")
                    .map(data -> {
                        data.optionalObject("dynamic_variables");
                        return clientDataTexts.get(index);
                    });
            var zone = recipient.optionalText("timezone").map(String::strip);
            zone.filter(value -> !isIanaZone(value) || value.startsWith("Etc/Unknown"))
                    .ifPresent(value -> recipient.violate(
                            "timezone",
                            "Value error, not an IANA time zone name such as Europe/Berlin",
                            "value_error"));
            var region = recipient.optionalText("region").map(String::strip);
            region.filter(value -> !REGION.matcher(value).matches())
                    .ifPresent(value -> recipient.violate(
                            "region",
                            "Value error, an ISO 3166-1 country (GB) or 3166-2 subdivision (US-FL)",
                            "value_error"));
            recipients.add(new NewRecipient(
                    id.orElseGet(() -> ids.next(NewRecipient.ID_PREFIX)),
                    phone,
                    whatsappUser,
                    clientData,
                    zone.filter(value -> !value.isEmpty()),
                    region.filter(value -> !value.isEmpty()).map(value -> value.toUpperCase(java.util.Locale.ROOT))));
        }
        return recipients;
    }

    private static void duplicate(
            JsonBody recipient,
            String field,
            String value,
            int index,
            HashMap<String, Integer> firstIndex,
            String what) {
        var first = firstIndex.putIfAbsent(value, index);
        if (first != null) {
            recipient.violate(
                    field,
                    "Value error, duplicate " + what + ": recipients " + first + " and " + index + " both have "
                            + value,
                    "value_error");
        }
    }

    private static String text(JsonNode node) {
        try {
            return Json.MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a parsed JSON tree always serialises", e);
        }
    }
}
