package io.batchcall.api;

import io.batchcall.domain.BatchSummary;
import io.batchcall.domain.Recipient;
import io.batchcall.store.RecipientStore;
import io.batchcall.wire.BatchWire;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** The batch responses ({@link BatchWire} has their shapes), and the detailed one streamed with its recipients. */
final class BatchJson {
    /** Recipients read per query while a batch is streamed out. */
    private static final int CHUNK = 1_000;

    private BatchJson() {}

    /**
     * The bytes of {@code BatchCallListResponse} ({@code batch_calls}, {@code next_doc}, {@code has_more}), written
     * by hand as {@link BatchWire#write} writes each batch: the mapper's reflective record serializer and the page as a
     * string were a large share of a page's CPU and garbage.
     */
    static byte[] list(List<BatchSummary> page, String nextDoc, boolean hasMore) {
        var bytes = new java.io.ByteArrayOutputStream(1_024 + page.size() * 768);
        try (var json = Json.MAPPER.createGenerator(bytes)) {
            json.writeStartObject();
            json.writeArrayFieldStart("batch_calls");
            for (var summary : page) {
                BatchWire.write(json, batch(summary));
            }
            json.writeEndArray();
            json.writeStringField("next_doc", nextDoc);
            json.writeBooleanField("has_more", hasMore);
            json.writeEndObject();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("writing to memory does not fail", e);
        }
        return bytes.toByteArray();
    }

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
        // The next chunk is read while the one before is written (the first while the batch's fields are): the
        // database's share of the request overlaps the JSON's instead of adding to it. At most two chunks are
        // held, so memory stays flat however large the batch.
        var next = read(recipients, batch, -1);
        try (var json = Json.MAPPER.createGenerator(out)) {
            json.writeStartObject();
            BatchWire.writeFields(json, batch(summary));
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
            List<Recipient> chunk;
            do {
                chunk = await(next);
                if (chunk.size() == CHUNK) {
                    next = read(recipients, batch, chunk.getLast().position());
                }
                for (var recipient : chunk) {
                    BatchWire.write(json, recipient(recipient));
                }
                json.flush();
            } while (chunk.size() == CHUNK);
            json.writeEndArray();
            json.writeEndObject();
        }
    }

    private static CompletableFuture<List<Recipient>> read(
            RecipientStore recipients, io.batchcall.domain.Batch batch, int afterPosition) {
        return CompletableFuture.supplyAsync(
                () -> recipients.chunk(batch.workspaceId(), batch.id(), afterPosition, CHUNK),
                task -> Thread.ofVirtual().name("batch-get-read-ahead").start(task));
    }

    /** The chunk, or the read's own exception (a database failure is answered as any other). */
    private static List<Recipient> await(CompletableFuture<List<Recipient>> chunk) {
        try {
            return chunk.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }
}
