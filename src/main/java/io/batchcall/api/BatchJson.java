package io.batchcall.api;

import io.batchcall.domain.BatchSummary;
import io.batchcall.domain.Recipient;
import io.batchcall.store.RecipientStore;
import io.batchcall.wire.BatchWire;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;

/** The batch responses ({@link BatchWire} has their shapes), and the detailed one streamed with its recipients. */
final class BatchJson {
    /** Recipients read per query while a batch is streamed out. */
    private static final int CHUNK = 1_000;

    private static final com.fasterxml.jackson.databind.ObjectWriter RECIPIENTS = Json.MAPPER
            .writerFor(BatchWire.RecipientResponse.class)
            .without(com.fasterxml.jackson.databind.SerializationFeature.FLUSH_AFTER_WRITE_VALUE);

    private BatchJson() {}

    record ListResponse(List<BatchWire.BatchCallResponse> batchCalls, String nextDoc, boolean hasMore) {}

    static BatchWire.BatchCallResponse batch(BatchSummary summary) {
        return BatchWire.batch(summary);
    }

    static BatchWire.RecipientResponse recipient(Recipient r) {
        return BatchWire.recipient(r);
    }

    /**
     * Writes {@code BatchCallDetailedResponse}: the batch's fields, then {@code recipients} streamed from the
     * store a chunk at a time, so that memory stays flat however large the batch.
     */
    static void writeDetailed(BatchSummary summary, RecipientStore recipients, OutputStream out) throws IOException {
        writeDetailed(summary, recipients, Optional.empty(), out);
    }

    /** With our extension {@code hold_reason}: why a running batch's due recipients are not being dialed, or null. */
    static void writeDetailed(
            BatchSummary summary, RecipientStore recipients, Optional<String> holdReason, OutputStream out)
            throws IOException {
        var batch = summary.batch();
        try (var json = Json.MAPPER.createGenerator(out)) {
            json.writeStartObject();
            var fields = Json.MAPPER.valueToTree(batch(summary)).properties();
            for (var field : fields) {
                json.writeFieldName(field.getKey());
                json.writeTree(field.getValue());
            }
            json.writeStringField("hold_reason", holdReason.orElse(null));
            // Our campaign-rule extensions: held recipients, and when the next calling window opens.
            var waiting = recipients.waiting(batch.workspaceId(), batch.id());
            json.writeNumberField("waiting_recipients", waiting.recipients());
            json.writeFieldName("next_window_opens_at_unix");
            if (waiting.nextWindowOpensAt().isPresent()) {
                json.writeNumber(waiting.nextWindowOpensAt().get().getEpochSecond());
            } else {
                json.writeNull();
            }
            json.writeArrayFieldStart("recipients");
            // One sequence writer for all the recipients (writePOJO set up a serializer provider per recipient and
            // flushed the socket after each one); the same serializers, so the same bytes, flushed a chunk at a time.
            try (var values = RECIPIENTS.writeValues(json)) {
                int after = -1;
                List<Recipient> chunk;
                do {
                    chunk = recipients.chunk(batch.workspaceId(), batch.id(), after, CHUNK);
                    for (var recipient : chunk) {
                        values.write(recipient(recipient));
                        after = recipient.position();
                    }
                    json.flush();
                } while (chunk.size() == CHUNK);
            }
            json.writeEndArray();
            json.writeEndObject();
        }
    }
}
