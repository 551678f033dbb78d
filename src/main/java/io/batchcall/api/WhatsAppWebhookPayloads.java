package io.batchcall.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.telephony.whatsapp.WhatsAppEvent;
import io.batchcall.telephony.whatsapp.WhatsAppEvent.CallStatus;
import io.batchcall.telephony.whatsapp.WhatsAppEvent.CallTerminated;
import io.batchcall.telephony.whatsapp.WhatsAppEvent.GraphError;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads what a Meta webhook delivery says about calls: every {@code entry[].changes[]} of field {@code calls}
 * (connect, terminate, and call statuses) and {@code messages} (call permission replies). Meta adds fields and
 * kinds over time, so anything unknown, and any item missing what its kind needs, is skipped rather than refused:
 * one odd item must not make Meta redeliver the rest. Deterministic: the inbox parses a stored body again when it
 * hands an event over, and finds it by its dedupe key.
 */
final class WhatsAppWebhookPayloads {
    private WhatsAppWebhookPayloads() {}

    /** The events of one delivery, in order; {@code fallbackTime} stands in for a missing timestamp. */
    static List<WhatsAppEvent> parse(JsonNode body, Instant fallbackTime) {
        var events = new ArrayList<WhatsAppEvent>();
        for (var entry : body.path("entry")) {
            for (var change : entry.path("changes")) {
                var value = change.path("value");
                var phoneNumberId = text(value.path("metadata"), "phone_number_id");
                if (phoneNumberId.isEmpty()) {
                    continue;
                }
                switch (change.path("field").asText("")) {
                    case "calls" -> calls(phoneNumberId.get(), value, fallbackTime, events);
                    case "messages" -> messages(phoneNumberId.get(), value, fallbackTime, events);
                    default -> {}
                }
            }
        }
        return events;
    }

    private static void calls(String phoneNumberId, JsonNode value, Instant fallback, List<WhatsAppEvent> events) {
        for (var call : value.path("calls")) {
            var id = text(call, "id");
            if (id.isEmpty()) {
                continue;
            }
            var user = user(call);
            var opaque = text(call, "biz_opaque_callback_data");
            var at = time(call, "timestamp").orElse(fallback);
            switch (call.path("event").asText("")) {
                case "connect" ->
                    text(call.path("session"), "sdp")
                            .ifPresent(sdp -> events.add(
                                    new WhatsAppEvent.CallConnected(phoneNumberId, id.get(), user, sdp, opaque, at)));
                case "terminate" -> {
                    var status = switch (call.path("status").asText("").toUpperCase(Locale.ROOT)) {
                        case "COMPLETED" -> Optional.of(CallTerminated.Termination.COMPLETED);
                        case "FAILED" -> Optional.of(CallTerminated.Termination.FAILED);
                        default -> Optional.<CallTerminated.Termination>empty();
                    };
                    // The errors of a failed call come beside the calls (value.errors); accept them on the call too.
                    var errors = errors(call.has("errors") ? call.path("errors") : value.path("errors"));
                    status.ifPresent(s -> events.add(
                            new CallTerminated(phoneNumberId, id.get(), user, s, duration(call), errors, opaque, at)));
                }
                default -> {}
            }
        }
        for (var status : value.path("statuses")) {
            // Message statuses (sent, delivered, read) share the array; only those of type call are ours.
            if (!"call".equals(status.path("type").asText(""))) {
                continue;
            }
            var id = text(status, "id");
            var kind = switch (status.path("status").asText("").toUpperCase(Locale.ROOT)) {
                case "RINGING" -> Optional.of(CallStatus.Status.RINGING);
                case "ACCEPTED" -> Optional.of(CallStatus.Status.ACCEPTED);
                case "REJECTED" -> Optional.of(CallStatus.Status.REJECTED);
                default -> Optional.<CallStatus.Status>empty();
            };
            if (id.isEmpty() || kind.isEmpty()) {
                continue;
            }
            events.add(new CallStatus(
                    phoneNumberId,
                    id.get(),
                    text(status, "recipient_id").orElse(""),
                    kind.get(),
                    text(status, "biz_opaque_callback_data"),
                    time(status, "timestamp").orElse(fallback)));
        }
    }

    private static void messages(String phoneNumberId, JsonNode value, Instant fallback, List<WhatsAppEvent> events) {
        for (var message : value.path("messages")) {
            var interactive = message.path("interactive");
            var id = text(message, "id");
            if (id.isEmpty()
                    || !"call_permission_reply".equals(interactive.path("type").asText(""))) {
                continue;
            }
            var reply = interactive.path("call_permission_reply");
            var response = reply.path("response").asText("");
            if (!response.equals("accept") && !response.equals("reject")) {
                continue;
            }
            // Meta's documentation spells the expiry more than one way; any of them will do.
            var expires = time(reply, "expiration_timestamp")
                    .or(() -> time(reply, "expiration_time"))
                    .or(() -> time(reply, "expiration"));
            events.add(new WhatsAppEvent.PermissionReply(
                    phoneNumberId,
                    id.get(),
                    text(message, "from").orElse(""),
                    text(message.path("context"), "id"),
                    response.equals("accept"),
                    reply.path("is_permanent").asBoolean(false),
                    expires,
                    "automatic".equals(reply.path("response_source").asText("")),
                    time(message, "timestamp").orElse(fallback)));
        }
    }

    /** The WhatsApp user of a call: the callee of a call we placed, the caller of one placed to us. */
    private static String user(JsonNode call) {
        var direction = call.path("direction").asText("BUSINESS_INITIATED");
        var user = direction.equals("USER_INITIATED") ? text(call, "from") : text(call, "to");
        return user.orElse("");
    }

    /** Seconds as Meta sends them: a number, or digits in a string. Present only when the call was picked up. */
    private static Optional<Long> duration(JsonNode call) {
        var duration = call.path("duration");
        if (duration.isIntegralNumber()) {
            return Optional.of(duration.longValue());
        }
        return digits(duration);
    }

    private static List<GraphError> errors(JsonNode errors) {
        var read = new ArrayList<GraphError>();
        for (var error : errors) {
            if (!error.path("code").canConvertToInt()
                    && digits(error.path("code")).isEmpty()) {
                continue;
            }
            read.add(new GraphError(
                    error.path("code").asInt(),
                    text(error, "message").or(() -> text(error, "title")).orElse(""),
                    text(error.path("error_data"), "details")));
        }
        return List.copyOf(read);
    }

    private static Optional<Instant> time(JsonNode node, String field) {
        var value = node.path(field);
        if (value.isIntegralNumber()) {
            return Optional.of(Instant.ofEpochSecond(value.longValue()));
        }
        return digits(value).map(Instant::ofEpochSecond);
    }

    private static Optional<Long> digits(JsonNode value) {
        if (!value.isTextual() || !value.textValue().matches("\\d{1,18}")) {
            return Optional.empty();
        }
        return Optional.of(Long.parseLong(value.textValue()));
    }

    private static Optional<String> text(JsonNode node, String field) {
        var value = node.path(field);
        return value.isTextual() && !value.textValue().isEmpty() ? Optional.of(value.textValue()) : Optional.empty();
    }
}
