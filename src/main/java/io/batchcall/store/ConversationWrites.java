package io.batchcall.store;

import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.CallResult;
import io.batchcall.domain.Outcome;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.SqlStatement;

/**
 * The conversations attempts open and close, written for many attempts in one statement each: the call-end path
 * records attempts in groups.
 */
final class ConversationWrites {
    private static final String ATTEMPTS = "(a.workspace_id, a.id) IN (SELECT * FROM unnest(:workspaceIds, :ids))";

    private ConversationWrites() {}

    /**
     * The attempts reached their provider: each has a conversation, created once (one already there is left as it
     * is). Their recipients are shown the ids by {@link #shown} or by their status move.
     */
    static void inserted(Handle handle, List<AttemptRef> attempts, Instant now) {
        KeyArrays.attempts(handle.createUpdate("""
                        INSERT INTO conversations (workspace_id, id, agent_id, batch_id, recipient_id, phone_number_id,
                            branch_id, status, start_time, phone_call, client_data, created_at, updated_at,
                            attempt_number)
                        SELECT a.workspace_id, a.conversation_id, a.agent_id, a.batch_id, a.recipient_id,
                            a.phone_number_id, b.branch_id, 'initiated', coalesce(a.dialed_at, :now),
                            json_build_object('direction', 'outbound', 'phone_number_id', a.phone_number_id,
                                'agent_number', p.phone_number,
                                'external_number', coalesce(r.phone_number, r.whatsapp_user_id),
                                'type', CASE a.provider WHEN 'twilio' THEN 'twilio' WHEN 'exotel' THEN 'exotel'
                                    WHEN 'whatsapp' THEN 'whatsapp' ELSE 'sip_trunking' END,
                                'call_sid', a.provider_call_id, 'stream_sid', '')::jsonb,
                            r.client_data::jsonb, :now, :now, a.attempt_number
                        FROM attempts a
                        JOIN recipients r ON r.workspace_id = a.workspace_id AND r.batch_id = a.batch_id
                                         AND r.id = a.recipient_id
                        LEFT JOIN phone_numbers p ON p.workspace_id = a.workspace_id AND p.id = a.phone_number_id
                        LEFT JOIN batches b ON b.workspace_id = a.workspace_id AND b.id = a.batch_id
                        WHERE\s""" + ATTEMPTS + """
                         ON CONFLICT (workspace_id, id) DO NOTHING"""), attempts)
                .bind("now", Rows.at(now))
                .execute();
    }

    /**
     * The attempts' recipients show their conversations' ids (see {@link AttemptLifecycle.Opened}).
     */
    static void shown(Handle handle, List<AttemptRef> attempts) {
        if (attempts.isEmpty()) {
            return;
        }
        KeyArrays.attempts(handle.createUpdate("""
                        UPDATE recipients r SET conversation_id = a.conversation_id
                        FROM attempts a
                        WHERE\s""" + ATTEMPTS + """
                          AND r.workspace_id = a.workspace_id AND r.batch_id = a.batch_id AND r.id = a.recipient_id
                          AND r.conversation_id IS DISTINCT FROM a.conversation_id"""), attempts).execute();
    }

    /**
     * The attempts ended (their outcome is already stored): their conversations close, with their call result.
     * {@link AttemptEnds#endAttempts} closes those that exist in the statement that ends the attempts
     * ({@link #CLOSED_WITH_THE_ENDS}); this is for the others, opened after it.
     */
    static void closed(Handle handle, List<AttemptRef> attempts, Instant now) {
        if (attempts.isEmpty()) {
            return;
        }
        bindClose(KeyArrays.attempts(
                        handle.createUpdate("WITH closed AS (UPDATE conversations c SET " + CLOSE + """

                        FROM attempts a,
                             unnest(:resultOutcomes, :resultAnswered, :results) AS m(outcome, answered, result)
                        WHERE\s""" + ATTEMPTS + """
                          AND c.workspace_id = a.workspace_id AND c.id = a.conversation_id
                          AND m.outcome = a.outcome AND m.answered = (a.answered_at IS NOT NULL)
                        RETURNING\s"""
                                + CLOSED_COLUMNS + ")\n" + QUEUED_FROM_CLOSED),
                        attempts))
                .bind("now", Rows.at(now))
                .execute();
    }

    /**
     * A conversation's close, {@code c}, from its attempt as it ended, {@code a}, and its call result, {@code m}.
     * What the agent already reported (its verdict, its termination reason) stays; answered and voicemail calls now
     * wait for their {@code post_call_transcription}.
     */
    private static final String CLOSE = """
            status = CASE WHEN a.answered_at IS NOT NULL OR m.result = 'voicemail' THEN 'done' ELSE 'failed' END,
                call_successful = CASE WHEN c.reported_at IS NOT NULL THEN c.call_successful
                                       WHEN a.outcome = 'completed' THEN 'success'
                                       WHEN a.answered_at IS NULL THEN 'failure' ELSE 'unknown' END,
                call_duration_secs = CASE WHEN a.answered_at IS NULL THEN 0
                    ELSE greatest(0, extract(epoch FROM (:now - a.answered_at)))::integer END,
                termination_reason = coalesce(c.termination_reason, a.outcome),
                call_result = m.result,
                ended_at = :now,
                post_call_pending = m.result = ANY(:talked) AND c.post_call_sent_at IS NULL,
                -- to_jsonb(NULL) would null the whole object: a dial refused at once has no call id
                phone_call = jsonb_set(c.phone_call, '{call_sid}',
                                       coalesce(to_jsonb(a.provider_call_id), 'null'::jsonb)),
                updated_at = :now""";

    /** What a close returns for {@link #QUEUED_FROM_CLOSED}. */
    private static final String CLOSED_COLUMNS =
            "c.workspace_id, c.id, c.ended_at, c.post_call_pending, c.reported_at IS NOT NULL AS reported";

    /**
     * Queues the closed conversations ({@code closed}, returning {@link #CLOSED_COLUMNS}) that now wait for their
     * {@code post_call_transcription} for {@link PostCallTranscriptions}: the queue, not an index on conversations,
     * is where the producer looks, so that sending the event is a heap-only update of the conversation (V162).
     */
    private static final String QUEUED_FROM_CLOSED = """
            INSERT INTO post_call_queue (ended_at, workspace_id, conversation_id, reported)
            SELECT ended_at, workspace_id, id, reported FROM closed WHERE post_call_pending
            ON CONFLICT DO NOTHING""";

    /**
     * Two CTEs for the statement that ends attempts: closes the conversations that exist of the rows of {@code ended}
     * (its attempts as they ended) that reached their provider ({@code reached_provider}), and queues those that now
     * wait for their post-call event. Bind it with {@link #bindClose}.
     */
    static final String CLOSED_WITH_THE_ENDS = """
            closed AS (
                UPDATE conversations c SET\s""" + CLOSE + """

                FROM ended a, unnest(:resultOutcomes, :resultAnswered, :results) AS m(outcome, answered, result)
                WHERE a.reached_provider AND c.workspace_id = a.workspace_id AND c.id = a.conversation_id
                  AND m.outcome = a.outcome AND m.answered = (a.answered_at IS NOT NULL)
                RETURNING\s""" + CLOSED_COLUMNS + """
            ),
            queued AS (""" + QUEUED_FROM_CLOSED + ")";

    /** Binds what {@link #CLOSE} reads besides {@code :now}: the call results' table and which of them talked. */
    static <S extends SqlStatement<S>> S bindClose(S statement) {
        var results = CallResults.TABLE;
        return statement
                .bindArray(
                        "resultOutcomes",
                        String.class,
                        results.stream().map(CallResults.Row::outcome).toList())
                .bindArray(
                        "resultAnswered",
                        Boolean.class,
                        results.stream().map(CallResults.Row::answered).toList())
                .bindArray(
                        "results",
                        String.class,
                        results.stream().map(r -> r.result().wireName()).toList())
                .bindArray(
                        "talked",
                        String.class,
                        Arrays.stream(CallResult.values())
                                .filter(CallResult::talked)
                                .map(CallResult::wireName)
                                .toList());
    }

    /** {@link CallResult#of} as a table SQL can join: one row per outcome, answered or not. */
    private static final class CallResults {
        record Row(String outcome, boolean answered, CallResult result) {}

        static final List<Row> TABLE = Stream.of(
                        new Outcome.Completed(),
                        new Outcome.Voicemail(),
                        new Outcome.Busy(),
                        new Outcome.NoAnswer(),
                        new Outcome.Failed("", false),
                        new Outcome.Cancelled(),
                        new Outcome.Interrupted(""))
                .flatMap(outcome -> Stream.of(true, false)
                        .map(answered -> new Row(outcome.wireName(), answered, CallResult.of(outcome, answered))))
                .toList();
    }
}
