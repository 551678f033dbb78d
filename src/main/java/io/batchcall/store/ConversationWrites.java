package io.batchcall.store;

import io.batchcall.domain.AttemptRef;
import java.time.Instant;
import java.util.List;
import org.jdbi.v3.core.Handle;

/**
 * The conversations attempts open and close, written for many attempts in one statement each: the call-end path
 * records attempts in groups.
 */
final class ConversationWrites {
    private static final String ATTEMPTS = "(a.workspace_id, a.id) IN (SELECT * FROM unnest(:workspaceIds, :ids))";

    private ConversationWrites() {}

    /** The attempts reached their provider: each has a conversation, and its recipient shows the id. */
    static void opened(Handle handle, List<AttemptRef> attempts, Instant now) {
        bindAttempts(handle.createUpdate("""
                        INSERT INTO conversations (workspace_id, id, agent_id, batch_id, recipient_id, phone_number_id,
                            status, start_time, phone_call, client_data, created_at, updated_at)
                        SELECT a.workspace_id, a.conversation_id, a.agent_id, a.batch_id, a.recipient_id,
                            a.phone_number_id, 'initiated', coalesce(a.dialed_at, :now),
                            json_build_object('direction', 'outbound', 'phone_number_id', a.phone_number_id,
                                'agent_number', p.phone_number, 'external_number', r.phone_number,
                                'type', CASE a.provider WHEN 'twilio' THEN 'twilio' WHEN 'exotel' THEN 'exotel'
                                    ELSE 'sip_trunking' END,
                                'call_sid', a.provider_call_id, 'stream_sid', '')::jsonb,
                            r.client_data::jsonb, :now, :now
                        FROM attempts a
                        JOIN recipients r ON r.workspace_id = a.workspace_id AND r.batch_id = a.batch_id
                                         AND r.id = a.recipient_id
                        LEFT JOIN phone_numbers p ON p.workspace_id = a.workspace_id AND p.id = a.phone_number_id
                        WHERE\s""" + ATTEMPTS + """
                         ON CONFLICT (workspace_id, id) DO NOTHING"""), attempts)
                .bind("now", Rows.at(now))
                .execute();
        bindAttempts(handle.createUpdate("""
                        UPDATE recipients r SET conversation_id = a.conversation_id
                        FROM attempts a
                        WHERE\s""" + ATTEMPTS + """
                          AND r.workspace_id = a.workspace_id AND r.batch_id = a.batch_id AND r.id = a.recipient_id
                          AND r.conversation_id IS DISTINCT FROM a.conversation_id"""), attempts)
                .execute();
    }

    /** The attempts ended (their outcome is already stored): their conversations close. */
    static void closed(Handle handle, List<AttemptRef> attempts, Instant now) {
        bindAttempts(handle.createUpdate("""
                        UPDATE conversations c
                        SET status = CASE WHEN a.answered_at IS NOT NULL THEN 'done' ELSE 'failed' END,
                            call_successful = CASE WHEN a.outcome = 'completed' THEN 'success'
                                                   WHEN a.answered_at IS NULL THEN 'failure' ELSE 'unknown' END,
                            call_duration_secs = CASE WHEN a.answered_at IS NULL THEN 0
                                ELSE greatest(0, extract(epoch FROM (:now - a.answered_at)))::integer END,
                            termination_reason = a.outcome,
                            -- to_jsonb(NULL) would null the whole object: a dial refused at once has no call id
                            phone_call = jsonb_set(c.phone_call, '{call_sid}',
                                                   coalesce(to_jsonb(a.provider_call_id), 'null'::jsonb)),
                            updated_at = :now
                        FROM attempts a
                        WHERE\s""" + ATTEMPTS + """
                          AND c.workspace_id = a.workspace_id AND c.id = a.conversation_id"""), attempts)
                .bind("now", Rows.at(now))
                .execute();
    }

    private static <T extends org.jdbi.v3.core.statement.SqlStatement<T>> T bindAttempts(T statement,
                                                                                          List<AttemptRef> attempts) {
        return statement
                .bindArray("workspaceIds", String.class, attempts.stream().map(a -> a.workspaceId().value()).toList())
                .bindArray("ids", String.class, attempts.stream().map(AttemptRef::attemptId).toList());
    }
}
