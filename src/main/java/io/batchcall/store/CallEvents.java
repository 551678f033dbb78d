package io.batchcall.store;

import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.CallEvent;
import io.batchcall.domain.Outcome;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.wire.EventWire;
import java.util.LinkedHashMap;
import java.util.List;
import org.jdbi.v3.core.Handle;

/**
 * The events of a call rather than of a status move, written in the lifecycle's transaction: ElevenLabs'
 * {@code call_initiation_failure} and answering-machine detection's {@code call.machine_detected}.
 */
final class CallEvents {
    private CallEvents() {}

    /**
     * Whether an attempt that reached its provider and ended so has a {@code call_initiation_failure}: busy,
     * unanswered or failed (a conversation exists, its id is the recipient's, but nobody talked).
     */
    static boolean failsInitiation(Outcome outcome) {
        return switch (outcome) {
            case Outcome.Busy busy -> true;
            case Outcome.NoAnswer noAnswer -> true;
            case Outcome.Failed failed -> true;
            case Outcome.Completed completed -> false;
            case Outcome.Voicemail voicemail -> false;
            case Outcome.Cancelled cancelled -> false;
            case Outcome.Interrupted interrupted -> false;
        };
    }

    /**
     * ElevenLabs' {@code call_initiation_failure} for attempts that reached their provider and ended as
     * {@link #failsInitiation} says. The caller picks them: most groups end none so, and then read nothing.
     */
    static List<Outbox.Event> initiationFailures(Handle handle, List<AttemptRef> ended) {
        if (ended.isEmpty()) {
            return List.of();
        }
        return KeyArrays.attempts(handle.createQuery("""
                        SELECT a.workspace_id, a.batch_id, a.recipient_id, a.agent_id, a.conversation_id, a.outcome,
                               a.provider, a.provider_call_id, a.provider_status, a.sip_code, a.failure_reason,
                               r.phone_number AS to_number, p.phone_number AS from_number
                        FROM attempts a
                        JOIN recipients r ON r.workspace_id = a.workspace_id AND r.batch_id = a.batch_id
                                         AND r.id = a.recipient_id
                        LEFT JOIN phone_numbers p ON p.workspace_id = a.workspace_id AND p.id = a.phone_number_id
                        WHERE (a.workspace_id, a.id) IN (SELECT * FROM unnest(:workspaceIds, :ids))
                        ORDER BY a.claimed_at, a.id"""), ended)
                .map((rs, ctx) -> {
                    var outcome = rs.getString("outcome");
                    var reason = switch (outcome) {
                        case "busy" -> "busy";
                        case "no_answer" -> "no-answer";
                        default -> "unknown";
                    };
                    var sipCode = (Integer) rs.getObject("sip_code");
                    var body = new LinkedHashMap<String, Object>();
                    String type;
                    if ("twilio".equals(rs.getString("provider"))) {
                        // Twilio's StatusCallback fields as far as they are kept, all strings as Twilio sends them.
                        type = "twilio";
                        body.put("CallSid", rs.getString("provider_call_id"));
                        body.put("CallStatus", rs.getString("provider_status"));
                        body.put("SipResponseCode", sipCode == null ? null : sipCode.toString());
                        body.put("To", rs.getString("to_number"));
                        body.put("From", rs.getString("from_number"));
                    } else {
                        type = "sip_trunk".equals(rs.getString("provider")) ? "sip" : rs.getString("provider");
                        body.put("from_number", rs.getString("from_number"));
                        body.put("to_number", rs.getString("to_number"));
                        body.put("sip_status_code", sipCode);
                        body.put("error_reason", rs.getString("failure_reason"));
                        body.put("call_sid", rs.getString("provider_call_id"));
                        body.put("sip_status", rs.getString("provider_status"));
                    }
                    var batchId = rs.getString("batch_id");
                    var recipientId = rs.getString("recipient_id");
                    var data = new EventWire.CallInitiationFailure(
                            rs.getString("agent_id"),
                            rs.getString("conversation_id"),
                            reason,
                            new EventWire.FailureMetadata(type, body),
                            new EventWire.BatchCallRef(batchId, recipientId));
                    return new Outbox.Event(
                            new WorkspaceId(rs.getString("workspace_id")),
                            "call_initiation_failure",
                            Outbox.recipientKey(batchId, recipientId),
                            batchId,
                            recipientId,
                            rs.getString("conversation_id"),
                            rs.getString("agent_id"),
                            data);
                })
                .list();
    }

    /**
     * {@code call.machine_detected}: answering-machine detection's verdict for attempts that just recorded one.
     * Its own event, as ElevenLabs has it: the call goes on, and the recipient's final event follows when it ends.
     */
    static List<Outbox.Event> machineDetections(Handle handle, List<AttemptRef> detected) {
        if (detected.isEmpty()) {
            return List.of();
        }
        var attempts = LifecycleEvents.attempts(handle, detected);
        return KeyArrays.attempts(handle.createQuery("""
                        SELECT workspace_id, id, batch_id, recipient_id, answered_by
                        FROM attempts
                        WHERE (workspace_id, id) IN (SELECT * FROM unnest(:workspaceIds, :ids))
                        ORDER BY claimed_at, id"""), detected)
                .map((rs, ctx) -> {
                    var attempt = attempts.get(rs.getString("id"));
                    var batchId = rs.getString("batch_id");
                    var recipientId = rs.getString("recipient_id");
                    var answeredBy = rs.getString("answered_by");
                    var data = new EventWire.MachineDetected(
                            batchId,
                            recipientId,
                            attempt.data().conversationId(),
                            attempt.agentId(),
                            answeredBy,
                            CallEvent.MachineDetected.isMachine(answeredBy),
                            attempt.data());
                    return new Outbox.Event(
                            new WorkspaceId(rs.getString("workspace_id")),
                            "call.machine_detected",
                            Outbox.recipientKey(batchId, recipientId),
                            batchId,
                            recipientId,
                            attempt.data().conversationId(),
                            attempt.agentId(),
                            data);
                })
                .list();
    }
}
