package io.batchcall.store;

import io.batchcall.domain.CallResult;
import io.batchcall.domain.CallSuccessful;
import io.batchcall.domain.Conversation;
import io.batchcall.domain.ConversationStatus;
import io.batchcall.domain.PhoneCall;
import io.batchcall.domain.WorkspaceId;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * How a conversation is read from its table: the columns every conversation query selects and the one mapper
 * from them, shared by the store's reads, its list and the post-call events.
 */
final class ConversationRows {
    static final String COLUMNS = """
            c.workspace_id, c.id, c.agent_id, c.batch_id, c.recipient_id, c.phone_number_id, c.status,
            c.call_successful, c.start_time, c.call_duration_secs, c.termination_reason,
            c.phone_call ->> 'direction' AS direction, c.phone_call ->> 'agent_number' AS agent_number,
            c.phone_call ->> 'external_number' AS external_number, c.phone_call ->> 'type' AS call_type,
            c.phone_call ->> 'call_sid' AS call_sid, c.phone_call ->> 'stream_sid' AS stream_sid,
            c.client_data::text AS client_data, c.transcript::text AS transcript,
            jsonb_array_length(c.transcript) AS message_count, c.call_result, c.transcript_summary,
            c.data_collection_results::text AS data_collection_results,
            c.evaluation_criteria_results::text AS evaluation_criteria_results, c.branch_id,
            c.recording_sid IS NOT NULL AS has_audio, c.attempt_number
            """;
    /** The conversation with its agent's name, joined to {@code c}. */
    static final String NAMED = "SELECT " + COLUMNS + """
            , a.name AS agent_name
             FROM conversations c
             LEFT JOIN agents a ON a.workspace_id = c.workspace_id AND a.id = c.agent_id
            """;

    /**
     * As {@link #NAMED}, for the list: without the transcript and client data, which no list item shows. A
     * transcript can be tens of kilobytes, and a page read, converted to text and sent up to 100 of them.
     */
    static final String LISTED = without(
            NAMED,
            "c.client_data::text AS client_data, c.transcript::text AS transcript",
            "NULL::text AS client_data, '[]' AS transcript");

    private static String without(String sql, String columns, String placeholders) {
        if (!sql.contains(columns)) {
            throw new IllegalStateException("the conversation columns changed: " + columns + " is not in them");
        }
        return sql.replace(columns, placeholders);
    }

    private ConversationRows() {}

    static ConversationStore.Named named(ResultSet rs, StatementContext ctx) throws SQLException {
        return new ConversationStore.Named(conversation(rs, ctx), Rows.optionalText(rs, "agent_name"));
    }

    static Conversation conversation(ResultSet rs, StatementContext ctx) throws SQLException {
        var callType = Rows.optionalText(rs, "call_type");
        Optional<PhoneCall> call = callType.isEmpty()
                ? Optional.empty()
                : Optional.of(new PhoneCall(
                        rs.getString("direction"),
                        rs.getString("agent_number"),
                        rs.getString("external_number"),
                        callType.get(),
                        // A call ended before its provider took it (a WhatsApp user who declined, say) has no id.
                        Rows.optionalText(rs, "call_sid").orElse(""),
                        Rows.optionalText(rs, "stream_sid")));
        return new Conversation(
                new WorkspaceId(rs.getString("workspace_id")),
                rs.getString("id"),
                rs.getString("agent_id"),
                Rows.optionalText(rs, "batch_id"),
                Rows.optionalText(rs, "recipient_id"),
                Rows.optionalText(rs, "phone_number_id"),
                ConversationStatus.fromWire(rs.getString("status")).orElseThrow(),
                CallSuccessful.fromWire(rs.getString("call_successful")).orElseThrow(),
                Rows.instant(rs, "start_time"),
                rs.getInt("call_duration_secs"),
                Rows.optionalText(rs, "termination_reason"),
                call,
                Rows.optionalText(rs, "client_data"),
                rs.getString("transcript"),
                rs.getInt("message_count"),
                Rows.optionalText(rs, "call_result")
                        .map(r -> CallResult.fromWire(r).orElseThrow()),
                Rows.optionalText(rs, "transcript_summary"),
                rs.getString("data_collection_results"),
                rs.getString("evaluation_criteria_results"),
                Rows.optionalText(rs, "branch_id"),
                rs.getBoolean("has_audio"),
                Optional.ofNullable((Integer) rs.getObject("attempt_number")));
    }
}
