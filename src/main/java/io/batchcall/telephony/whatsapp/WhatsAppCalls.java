package io.batchcall.telephony.whatsapp;

import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.Outcome;
import io.batchcall.domain.WhatsAppPermissions;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.telephony.CallEventSink;
import io.batchcall.telephony.CallRequest;
import io.batchcall.telephony.media.MediaBridge;
import io.batchcall.telephony.media.SdpException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What Meta's webhooks say, applied: permission replies go to the permission records (which wake the recipients
 * held for them), call events to this node's live calls (found by wacid, or by {@code biz_opaque_callback_data},
 * our attempt id, when the webhook beats the connect's answer) and through the sink to their attempts. Idempotent
 * and order-tolerant: a call ends once (a terminate before its connect ends it, and the late connect is ignored),
 * and the sink moves an attempt only forward.
 */
public final class WhatsAppCalls implements WhatsAppEvents {
    private static final Logger log = LoggerFactory.getLogger(WhatsAppCalls.class);

    /** One call this node placed, from its connect request until it ended. Guarded by itself. */
    static final class Call {
        final CallRequest request;
        final WhatsAppAccount account;
        final MediaBridge media;
        final URI mediaStreamUrl;
        final Map<String, String> streamParameters;
        volatile String callId;
        boolean connected;
        boolean accepted;
        boolean rejected;
        boolean cancelled;
        /** The outcome it ended with, once it has (reconcile reports it). */
        Optional<Outcome> ended = Optional.empty();

        Optional<String> endedStatus = Optional.empty();

        Call(
                CallRequest request,
                WhatsAppAccount account,
                MediaBridge media,
                URI mediaStreamUrl,
                Map<String, String> streamParameters) {
            this.request = request;
            this.account = account;
            this.media = media;
            this.mediaStreamUrl = mediaStreamUrl;
            this.streamParameters = Map.copyOf(streamParameters);
        }

        AttemptRef attempt() {
            return request.attempt();
        }
    }

    private final CallEventSink sink;
    private final WhatsAppPermissions permissions;
    private final GraphApi api;
    private final Clock clock;
    private final Map<String, Call> byAttempt = new ConcurrentHashMap<>();
    private final Map<String, Call> byCallId = new ConcurrentHashMap<>();
    /**
     * Calls (by wacid and by attempt id) that ended here lately, and when: Meta's late or repeated webhooks about
     * them change nothing (a terminate after the REJECTED that ended the call must not count a second strike).
     */
    private final Map<String, Instant> endedLately = new ConcurrentHashMap<>();

    WhatsAppCalls(CallEventSink sink, WhatsAppPermissions permissions, GraphApi api, Clock clock) {
        this.sink = sink;
        this.permissions = permissions;
        this.api = api;
        this.clock = clock;
    }

    void placing(Call call) {
        byAttempt.put(call.attempt().attemptId(), call);
    }

    void placed(Call call, String callId) {
        call.callId = callId;
        byCallId.put(callId, call);
    }

    /** A call that never started (its connect was refused, or its fate is unknown and given up). */
    void forget(Call call) {
        call.media.stop();
        byAttempt.remove(call.attempt().attemptId());
        if (call.callId != null) {
            byCallId.remove(call.callId);
        }
    }

    Optional<Call> byAttempt(String attemptId) {
        return Optional.ofNullable(byAttempt.get(attemptId));
    }

    Optional<Call> byCallId(String callId) {
        return Optional.ofNullable(byCallId.get(callId));
    }

    /** Calls this node is placing or in. */
    int size() {
        return byAttempt.size();
    }

    @Override
    public void handle(WhatsAppEvent event) {
        switch (event) {
            case WhatsAppEvent.PermissionReply reply -> permissionReply(reply);
            case WhatsAppEvent.CallConnected connected -> connected(connected);
            case WhatsAppEvent.CallStatus status -> status(status);
            case WhatsAppEvent.CallTerminated terminated -> terminated(terminated);
        }
    }

    private void permissionReply(WhatsAppEvent.PermissionReply reply) {
        var workspace = permissions.workspaceOf(reply.phoneNumberId());
        if (workspace.isEmpty()) {
            log.debug("WhatsApp permission reply for an unknown account ignored");
            return;
        }
        if (reply.accepted()) {
            permissions.granted(
                    workspace.get(),
                    reply.phoneNumberId(),
                    reply.userWaId(),
                    reply.permanent() ? Optional.empty() : reply.expiresAt(),
                    clock.instant());
        } else {
            // A refusal, or Meta's automatic revoke after unanswered calls: both end the user's waiting recipients.
            permissions.refused(workspace.get(), reply.phoneNumberId(), reply.userWaId(), clock.instant());
        }
    }

    /** How long an ended call's webhooks are recognised as late: Meta retries a delivery for far less. */
    private static final Duration LATE_EVENTS = Duration.ofHours(1);

    private boolean endedHere(String callId, Optional<String> opaque) {
        return endedLately.containsKey(callId)
                || opaque.map(endedLately::containsKey).orElse(false);
    }

    private void rememberEnded(Call call) {
        var now = clock.instant();
        endedLately.values().removeIf(at -> at.isBefore(now.minus(LATE_EVENTS)));
        endedLately.put(call.attempt().attemptId(), now);
        if (call.callId != null) {
            endedLately.put(call.callId, now);
        }
    }

    private Optional<Call> find(String callId, Optional<String> opaque) {
        return byCallId(callId).or(() -> opaque.flatMap(this::byAttempt));
    }

    private void connected(WhatsAppEvent.CallConnected event) {
        var found = find(event.callId(), event.opaque());
        if (found.isEmpty()) {
            log.debug("WhatsApp connect for a call this node does not hold callId={}", event.callId());
            return;
        }
        var call = found.get();
        synchronized (call) {
            if (call.ended.isPresent() || call.connected) {
                return; // a duplicate, or a connect after the call ended: nothing to bridge any more
            }
            call.connected = true;
            if (call.callId == null) {
                placed(call, event.callId());
            }
            try {
                call.media.start(
                        event.sdpAnswer(),
                        new MediaBridge.AgentTarget(call.mediaStreamUrl, event.callId(), call.streamParameters),
                        reason -> mediaEnded(call, reason));
            } catch (SdpException | IllegalStateException e) {
                log.warn(
                        "WhatsApp call's SDP answer cannot be bridged attemptId={} reason={}",
                        call.attempt().attemptId(),
                        e.getMessage());
                terminateAtMeta(call);
                end(call, new Outcome.Failed("Meta's SDP answer cannot be bridged: " + e.getMessage(), true), "FAILED");
                return;
            }
            sink.answered(call.attempt());
        }
    }

    private void status(WhatsAppEvent.CallStatus event) {
        var found = find(event.callId(), event.opaque());
        if (found.isEmpty() && endedHere(event.callId(), event.opaque())) {
            return;
        }
        if (found.isEmpty()) {
            // Another node's call, or this node restarted: the attempt still moves (the sink only moves forward).
            attemptOf(event.phoneNumberId(), event.opaque()).ifPresent(attempt -> {
                switch (event.status()) {
                    case RINGING -> sink.ringing(attempt);
                    case ACCEPTED -> sink.answered(attempt);
                    case REJECTED -> sink.ended(attempt, new Outcome.Busy(), Optional.of("REJECTED"), Optional.empty());
                }
            });
            return;
        }
        var call = found.get();
        synchronized (call) {
            if (call.ended.isPresent()) {
                return;
            }
            switch (event.status()) {
                case RINGING -> sink.ringing(call.attempt());
                case ACCEPTED -> {
                    call.accepted = true;
                    sink.answered(call.attempt());
                }
                case REJECTED -> {
                    // The user declined: busy, as EL maps it. Meta's terminate follows and changes nothing.
                    call.rejected = true;
                    end(call, new Outcome.Busy(), "REJECTED");
                }
            }
        }
    }

    private void terminated(WhatsAppEvent.CallTerminated event) {
        var found = find(event.callId(), event.opaque());
        if (found.isEmpty() && endedHere(event.callId(), event.opaque())) {
            return;
        }
        if (found.isEmpty()) {
            attemptOf(event.phoneNumberId(), event.opaque()).ifPresent(attempt -> {
                var outcome = outcome(event, false, false, false);
                if (event.durationSeconds().isPresent()) {
                    sink.answered(attempt);
                }
                sink.ended(attempt, outcome, Optional.of(status(event)), Optional.empty());
                strikes(attempt.workspaceId(), event.phoneNumberId(), event.userWaId(), outcome);
            });
            return;
        }
        var call = found.get();
        synchronized (call) {
            if (call.ended.isPresent()) {
                return;
            }
            var outcome = outcome(event, call.accepted, call.rejected, call.cancelled);
            if (event.durationSeconds().isPresent()) {
                sink.answered(call.attempt());
            }
            end(call, outcome, status(event));
        }
    }

    /** The outcome of a terminate (reference §1.8): a duration means the call was had; none, that nobody picked up. */
    static Outcome outcome(WhatsAppEvent.CallTerminated event, boolean accepted, boolean rejected, boolean cancelled) {
        if (event.status() == WhatsAppEvent.CallTerminated.Termination.FAILED) {
            var error = event.errors().stream().findFirst();
            return new Outcome.Failed(
                    "the WhatsApp call failed"
                            + error.map(e -> ": " + e.code() + " " + e.message()
                                            + e.details()
                                                    .map(d -> " (" + d + ")")
                                                    .orElse(""))
                                    .orElse(""),
                    true);
        }
        if (event.durationSeconds().isPresent() || accepted) {
            return new Outcome.Completed();
        }
        if (cancelled) {
            return new Outcome.Cancelled();
        }
        return rejected ? new Outcome.Busy() : new Outcome.NoAnswer();
    }

    /** Meta's status as the attempt's provider status: {@code FAILED:<code>} carries the error code. */
    private static String status(WhatsAppEvent.CallTerminated event) {
        if (event.status() == WhatsAppEvent.CallTerminated.Termination.FAILED) {
            return event.errors().stream()
                    .findFirst()
                    .map(e -> "FAILED:" + e.code())
                    .orElse("FAILED");
        }
        return "COMPLETED";
    }

    /**
     * The bridge ended on its own: the agent closed its stream (it hung up), could not be reached, or the user's
     * side went silent. The call is terminated at Meta (which also bills more accurately) and ends here.
     */
    private void mediaEnded(Call call, MediaBridge.End reason) {
        if (reason == MediaBridge.End.STOPPED) {
            return;
        }
        synchronized (call) {
            if (call.ended.isPresent()) {
                return;
            }
            terminateAtMeta(call);
            var outcome = switch (reason) {
                case AGENT_UNREACHABLE -> new Outcome.Failed("the agent's media_stream_url could not be opened", true);
                case CALLER_SILENT ->
                    call.media.counters().packetsIn() == 0
                            ? new Outcome.Failed("no audio ever came from WhatsApp", true)
                            : new Outcome.Completed();
                case AGENT_CLOSED, STOPPED -> new Outcome.Completed();
            };
            end(call, outcome, "COMPLETED");
        }
    }

    /** Ends a call once: stops its bridge, reports the outcome and counts the user's unanswered calls. */
    void end(Call call, Outcome outcome, String providerStatus) {
        call.ended = Optional.of(outcome);
        call.endedStatus = Optional.of(providerStatus);
        call.media.stop();
        rememberEnded(call);
        byAttempt.remove(call.attempt().attemptId());
        if (call.callId != null) {
            byCallId.remove(call.callId);
        }
        // Counted before the end is reported: whoever sees the end (the next claim) sees the count too.
        strikes(call.attempt().workspaceId(), call.account.phoneNumberId(), call.request.to(), outcome);
        sink.ended(call.attempt(), outcome, Optional.of(providerStatus), Optional.empty());
    }

    /** Meta revokes a permission after four unanswered or rejected calls in a row: count them; a call had clears. */
    private void strikes(WorkspaceId workspace, String phoneNumberId, String userWaId, Outcome outcome) {
        try {
            switch (outcome) {
                case Outcome.NoAnswer n ->
                    permissions.callEnded(workspace, phoneNumberId, userWaId, true, clock.instant());
                case Outcome.Busy b -> permissions.callEnded(workspace, phoneNumberId, userWaId, true, clock.instant());
                case Outcome.Completed c ->
                    permissions.callEnded(workspace, phoneNumberId, userWaId, false, clock.instant());
                default -> {}
            }
        } catch (RuntimeException e) {
            // The count guards a limit; the call's own outcome is already reported.
            log.warn("Unanswered-call count not updated error={}", e.getClass().getSimpleName());
        }
    }

    void terminateAtMeta(Call call) {
        if (call.callId == null) {
            return;
        }
        var answer = api.terminate(call.account, call.callId);
        if (!(answer instanceof GraphApi.Answer.Ok)) {
            log.info(
                    "WhatsApp terminate not confirmed attemptId={} answer={}",
                    call.attempt().attemptId(),
                    answer);
        }
    }

    private Optional<AttemptRef> attemptOf(String phoneNumberId, Optional<String> opaque) {
        if (opaque.isEmpty()) {
            return Optional.empty();
        }
        return permissions.workspaceOf(phoneNumberId).map(workspace -> new AttemptRef(workspace, opaque.get()));
    }
}
