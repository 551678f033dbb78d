package io.batchcall.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.domain.Batch;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.NewRecipient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;

/**
 * Reads a body's {@code recipients} list as a submit and an append check it, a run of recipients at a time: each
 * call to {@link #next} reports the problems of the recipients it reads, in order, into the body's violations, and
 * the duplicate checks span every run read so far. Reading all of it in one run is the plain loop; a large submit
 * reads it in runs so that the runs already read are stored while the rest is checked (see {@link StreamedSubmit}).
 */
final class RecipientReader {
    private static final int MAX_RECIPIENT_ID_LENGTH = 128;

    private final List<JsonBody> elements;
    private final boolean whatsapp;
    private final IdSource ids;
    private final HashMap<String, Integer> firstIndexOfNumber = new HashMap<>();
    private final HashMap<String, Integer> firstIndexOfWhatsapp = new HashMap<>();
    private final HashMap<String, Integer> firstIndexOfId = new HashMap<>();
    private int read;

    private RecipientReader(List<JsonBody> elements, boolean whatsapp, IdSource ids) {
        this.elements = elements;
        this.whatsapp = whatsapp;
        this.ids = ids;
    }

    /**
     * Checks the list itself (present, an array, 1 to {@link Batch#MAX_RECIPIENTS} items); its elements are read by
     * {@link #next}. A list that is too long is not read at all: its one violation says why.
     */
    static RecipientReader of(JsonBody body, boolean whatsapp, IdSource ids) {
        if (body.raw("recipients").isEmpty()) {
            body.violate("recipients", "Field required", "missing");
            return new RecipientReader(List.of(), whatsapp, ids);
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
                return new RecipientReader(List.of(), whatsapp, ids);
            }
        }
        return new RecipientReader(elements, whatsapp, ids);
    }

    int remaining() {
        return elements.size() - read;
    }

    /** Every recipient not read yet. */
    List<NewRecipient> rest() {
        return next(remaining());
    }

    /** The next {@code count} recipients (fewer at the end); their problems go into the body's violations. */
    List<NewRecipient> next(int count) {
        int from = read;
        int to = Math.min(elements.size(), from + count);
        read = to;
        var run = elements.subList(from, to);
        // The costly pure parts first, for the whole run at once (in parallel when many); the loop below then
        // reports each recipient's problems in order.
        var phones = E164.normaliseAll(run.stream()
                .map(recipient -> recipient
                        .raw("phone_number")
                        .filter(JsonNode::isTextual)
                        .map(JsonNode::textValue)
                        .orElse(null))
                .toList());
        var clientDataTexts = InOrder.map(
                run,
                recipient -> recipient
                        .raw("conversation_initiation_client_data")
                        .filter(JsonNode::isObject)
                        .map(RecipientReader::text)
                        .orElse(null));
        var recipients = new ArrayList<NewRecipient>(run.size());
        for (int i = from; i < to; i++) {
            final int index = i;
            var recipient = elements.get(index);
            var id = recipient.optionalText("id").map(String::strip);
            // Pydantic's types and messages for a length bound: a blank id is too short, not too long.
            id.filter(String::isEmpty)
                    .ifPresent(value ->
                            recipient.violate("id", "String should have at least 1 character", "string_too_short"));
            id.filter(value -> value.length() > MAX_RECIPIENT_ID_LENGTH)
                    .ifPresent(value -> recipient.violate(
                            "id",
                            "String should have at most " + MAX_RECIPIENT_ID_LENGTH + " characters",
                            "string_too_long"));
            id.ifPresent(value -> duplicate(recipient, "id", value, index, firstIndexOfId, "id"));
            var phone = recipient.optionalText("phone_number").flatMap(text -> {
                var e164 = phones.get(index - from);
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
                        return clientDataTexts.get(index - from);
                    });
            var zone = recipient.optionalText("timezone").map(String::strip);
            zone.filter(value -> !Submission.isIanaZone(value) || value.startsWith("Etc/Unknown"))
                    .ifPresent(value -> recipient.violate(
                            "timezone",
                            "Value error, not an IANA time zone name such as Europe/Berlin",
                            "value_error"));
            var region = recipient.optionalText("region").map(String::strip);
            region.filter(value -> !Submission.REGION.matcher(value).matches())
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
                    region.filter(value -> !value.isEmpty()).map(value -> value.toUpperCase(Locale.ROOT))));
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
