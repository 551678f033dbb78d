package io.batchcall.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.domain.BatchSummary;
import io.batchcall.domain.Recipient;
import io.batchcall.store.RecipientStore;
import io.javalin.http.Context;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code GET /{batch_id}/export}: the recipients as CSV (RFC 4180, CRLF): the fixed columns, then what the
 * recipient's last conversation says ({@code call_result}, and the agent's {@code call_successful},
 * {@code transcript_summary}, {@code termination_reason}), one column per dynamic variable name used (sorted), and
 * one {@code data_collection.<id>} column per data collection id the agent reported (sorted), holding its value. Cells a spreadsheet would run as a formula get a leading apostrophe. Any batch can be exported,
 * running ones too (a snapshot); {@code limit} exports only the first N recipients.
 */
final class BatchExport {
    private static final List<String> FIXED_COLUMNS = List.of(
            "id",
            "phone_number",
            "whatsapp_user_id",
            "status",
            "conversation_id",
            "attempt_count",
            "last_outcome",
            "call_result",
            "call_successful",
            "transcript_summary",
            "termination_reason");
    private static final String DATA_COLLECTION_PREFIX = "data_collection.";
    private static final int CHUNK = 1_000;

    private BatchExport() {}

    static void write(Context ctx, BatchSummary summary, RecipientStore recipients, Optional<Integer> limit)
            throws IOException {
        var batch = summary.batch();
        int rows = limit.orElse(Integer.MAX_VALUE);
        var variables = recipients.dynamicVariableNames(batch.workspaceId(), batch.id(), rows);
        var collected = recipients.dataCollectionIds(batch.workspaceId(), batch.id(), rows);
        ctx.contentType("text/csv; charset=utf-8");
        ctx.header("Content-Disposition", "attachment; filename=\"" + batch.id() + ".csv\"");
        var out = new BufferedWriter(new OutputStreamWriter(ctx.outputStream(), StandardCharsets.UTF_8));
        var header = new ArrayList<>(FIXED_COLUMNS);
        header.addAll(variables);
        collected.forEach(id -> header.add(DATA_COLLECTION_PREFIX + id));
        writeRow(out, header.stream().map(BatchExport::cell).toList());
        int after = -1;
        int written = 0;
        List<RecipientStore.WithResult> chunk;
        do {
            chunk = recipients.chunkWithResults(
                    batch.workspaceId(), batch.id(), after, Math.min(CHUNK, rows - written));
            for (var recipient : chunk) {
                writeRow(out, row(recipient, variables, collected));
                after = recipient.recipient().position();
                written++;
            }
        } while (chunk.size() == CHUNK && written < rows);
        out.flush();
    }

    private static List<String> row(
            RecipientStore.WithResult withResult, List<String> variables, List<String> collected) {
        var r = withResult.recipient();
        var cells = new ArrayList<String>(FIXED_COLUMNS.size() + variables.size() + collected.size());
        cells.add(cell(r.id()));
        // Validated E.164 (+ and digits): it cannot hide a formula, and an apostrophe would corrupt the number.
        cells.add(quote(r.phoneNumber().orElse("")));
        cells.add(cell(r.whatsappUserId().orElse("")));
        cells.add(cell(r.status().wireName()));
        cells.add(cell(r.conversationId().orElse("")));
        cells.add(cell(Integer.toString(r.attemptCount())));
        cells.add(cell(r.lastOutcome().orElse("")));
        cells.add(cell(withResult.callResult().orElse("")));
        // The agent's verdict only once a call was answered: a recipient never reached has no verdict to show.
        cells.add(cell(
                withResult.callResult().isPresent()
                        ? withResult.callSuccessful().orElse("")
                        : ""));
        cells.add(cell(withResult.transcriptSummary().orElse("")));
        cells.add(cell(withResult.terminationReason().orElse("")));
        var values = dynamicVariables(r);
        for (var name : variables) {
            cells.add(cell(values.map(v -> v.get(name)).map(BatchExport::text).orElse("")));
        }
        var results = parse(withResult.dataCollectionResultsJson());
        for (var id : collected) {
            cells.add(cell(Optional.ofNullable(results.get(id))
                    .map(result -> result.get("value"))
                    .map(BatchExport::text)
                    .orElse("")));
        }
        return cells;
    }

    private static JsonNode parse(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("stored results are JSON", e);
        }
    }

    private static Optional<JsonNode> dynamicVariables(Recipient r) {
        return r.clientDataJson()
                .map(text -> {
                    try {
                        return Json.MAPPER.readTree(text).get("dynamic_variables");
                    } catch (IOException e) {
                        throw new IllegalStateException("stored client data is JSON", e);
                    }
                })
                .filter(JsonNode::isObject);
    }

    /** Strings as they are; numbers, booleans, objects and arrays as JSON; null as an empty cell. */
    private static String text(JsonNode value) {
        if (value == null || value.isNull()) {
            return "";
        }
        return value.isTextual() ? value.textValue() : value.toString();
    }

    /** A cell that cannot run as a formula, quoted as RFC 4180 requires. */
    static String cell(String value) {
        if (!value.isEmpty() && "=+-@\t\r".indexOf(value.charAt(0)) >= 0) {
            value = "'" + value;
        }
        return quote(value);
    }

    private static String quote(String value) {
        boolean needsQuotes = value.indexOf(',') >= 0
                || value.indexOf('"') >= 0
                || value.indexOf('\n') >= 0
                || value.indexOf('\r') >= 0;
        return needsQuotes ? "\"" + value.replace("\"", "\"\"") + "\"" : value;
    }

    private static void writeRow(Writer out, List<String> cells) throws IOException {
        out.write(String.join(",", cells));
        out.write("\r\n");
    }
}
