package io.batchcall.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * How a plan ({@code EXPLAIN (FORMAT JSON)}) reads a table: the index of each node that scans it, the indexes a
 * bitmap scan combines, or the node's type for a scan without one ({@code Seq Scan}). What the plan tests assert.
 */
final class PlanReads {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PlanReads() {}

    /** From the text {@code EXPLAIN (FORMAT JSON)} returns. */
    static List<String> of(String explained, String table) {
        try {
            return of(JSON.readTree(explained).get(0).get("Plan"), table);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> of(JsonNode plan, String table) {
        var reads = new ArrayList<String>();
        collect(plan, table, reads);
        return reads;
    }

    private static void collect(JsonNode node, String table, List<String> reads) {
        // An UPDATE's ModifyTable node names its table too, but reads nothing itself.
        if (table.equals(node.path("Relation Name").asText())
                && !"ModifyTable".equals(node.path("Node Type").asText())) {
            if (node.has("Index Name")) {
                reads.add(node.get("Index Name").asText());
            } else if ("Bitmap Heap Scan".equals(node.get("Node Type").asText())) {
                // Its indexes are its children's, which name no table.
                node.path("Plans")
                        .forEach(index -> reads.add(index.path("Index Name").asText()));
                return;
            } else {
                reads.add(node.get("Node Type").asText());
            }
        }
        node.path("Plans").forEach(child -> collect(child, table, reads));
    }
}
