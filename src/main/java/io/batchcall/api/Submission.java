package io.batchcall.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.MachineDetection;
import io.batchcall.domain.NewRecipient;
import io.batchcall.domain.TelephonyCallConfig;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
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

    /**
     * Reads every field but the recipients' elements, whose reader is returned with them (its list checked). The
     * violations found so far are in the body; none is thrown.
     */
    static Reading begin(JsonBody body, Instant now, IdSource ids) {
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
        var reader = RecipientReader.of(body, whatsappParams.isPresent(), ids);
        var head = new Submission(
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
                List.of());
        return new Reading(head, reader);
    }

    /** A body read but for its recipients: its other fields ({@code head}, no recipients yet) and their reader. */
    record Reading(Submission head, RecipientReader recipients) {}

    Submission withRecipients(List<NewRecipient> read) {
        return new Submission(
                name,
                agentId,
                phoneNumberId,
                branchId,
                environment,
                timezone,
                whatsappParamsJson,
                callConfig,
                targetConcurrencyLimit,
                scheduledAt,
                read);
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
        return RecipientReader.of(body, whatsapp, ids).rest();
    }
}
