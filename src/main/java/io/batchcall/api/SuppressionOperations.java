package io.batchcall.api;

import java.util.List;

/** Do-not-call lists and opt-outs (issue 13), apart so that the campaign-rules lists merge cleanly. */
final class SuppressionOperations {
    private SuppressionOperations() {}

    /** Lists, their entries, the check, opt-outs and the agent's opt-out. */
    static final List<OpenApiOperation> ALL = List.of(
            new OpenApiOperation(
                    "post",
                    SuppressionRoutes.LISTS,
                    "Do-not-call",
                    "Create a do-not-call list: {name, agent_id?} (agent_id: it applies to that agent's batches"
                            + " only; 404 agent_not_found)",
                    true,
                    "object"),
            new OpenApiOperation(
                    "get",
                    SuppressionRoutes.LISTS,
                    "Do-not-call",
                    "The lists, newest first: page_size, cursor -> {suppression_lists, next_cursor, has_more}",
                    true,
                    "object"),
            new OpenApiOperation(
                    "get",
                    SuppressionRoutes.LISTS + "/{list_id}",
                    "Do-not-call",
                    "One list with its entry_count",
                    true,
                    "object"),
            new OpenApiOperation(
                    "delete",
                    SuppressionRoutes.LISTS + "/{list_id}",
                    "Do-not-call",
                    "Delete a list and its entries",
                    true,
                    "object"),
            new OpenApiOperation(
                    "post",
                    SuppressionRoutes.LISTS + "/{list_id}/entries",
                    "Do-not-call",
                    "Import numbers: JSON {numbers: [...], reason?} or a text/csv body (number in the first column,"
                            + " optional header); E.164, prefixes such as +1201*, 10-digit US/Canada numbers. At most"
                            + " 100,000 rows and 10 MB. Answers {added, duplicates, invalid: [{row, value, reason}],"
                            + " invalid_count}; bad rows never fail the import",
                    true,
                    "object"),
            new OpenApiOperation(
                    "get",
                    SuppressionRoutes.LISTS + "/{list_id}/entries",
                    "Do-not-call",
                    "Export the entries, newest first: JSON pages (page_size, cursor) or, with Accept: text/csv,"
                            + " one CSV that imports back as it is",
                    true,
                    "object"),
            new OpenApiOperation(
                    "delete",
                    SuppressionRoutes.LISTS + "/{list_id}/entries/{number}",
                    "Do-not-call",
                    "Remove one entry: the number URL-encoded (%2B14155550123), a prefix with its star (%2B1201%2A)",
                    true,
                    "object"),
            new OpenApiOperation(
                    "get",
                    SuppressionRoutes.CHECK,
                    "Do-not-call",
                    "Would phone_number be called for agent_id's batches? -> {phone_number, suppressed, reason:"
                            + " dnc|opted_out|null, matches: [{list_id|opt_out_id, number, is_prefix, added_at_unix,"
                            + " source}]}",
                    true,
                    "object"),
            new OpenApiOperation(
                    "post",
                    OptOutRoutes.PATH,
                    "Do-not-call",
                    "Record an opt-out: {phone_number (or conversation_id), agent_id?, reason?, conversation_id?,"
                            + " batch_id?}. Cancels the number's waiting recipients at once; the same opt-out again"
                            + " answers the first (created false)",
                    true,
                    "object"),
            new OpenApiOperation(
                    "get",
                    OptOutRoutes.PATH,
                    "Do-not-call",
                    "Export opt-outs, newest first: since (unix), page_size, cursor -> {opt_outs, next_cursor,"
                            + " has_more}",
                    true,
                    "object"),
            new OpenApiOperation(
                    "post",
                    AgentTokens.PATH + "/{conversation_id}/opt-out",
                    "Agent side of a call",
                    "The agent opts its callee out (the conversation's number, every agent of the workspace):"
                            + " {reason?}. Bearer agent token",
                    false,
                    "object"));
}
