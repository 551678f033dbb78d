package io.batchcall.telephony.sip;

import io.batchcall.domain.Outcome;
import io.batchcall.telephony.CallState;
import io.batchcall.telephony.PlaceResult;
import io.batchcall.telephony.Timers;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import javax.sip.ClientTransaction;
import javax.sip.Dialog;
import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.SipException;
import javax.sip.header.CSeqHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One call to a recipient through the trunk (batchcall is the UAC), from the INVITE to its end: provisional and
 * final responses, digest challenges, the ringing timeout's CANCEL and its guard, the 200 that races a CANCEL,
 * and the BYE of either side. Once answered, its {@link AgentLeg} connects the agent. Every event of both
 * legs is handled under this object's lock; the state only moves forward.
 */
final class OutboundCall implements SipEndpoint.Leg {
    private static final Logger log = LoggerFactory.getLogger(OutboundCall.class);

    enum State {
        CALLING,
        PROCEEDING,
        CANCELLING,
        ANSWERED,
        ENDED
    }

    private final CallContext context;
    private final String callId;
    private final AgentLeg bridge;
    private final CompletableFuture<PlaceResult> placed = new CompletableFuture<>();
    private TrunkInvite invite;
    private State state = State.CALLING;
    private Dialog dialog;
    /** Why we cancel (ringing timeout or the batch's cancel): set once a CANCEL is wanted, sent or not. */
    private Outcome cancelOutcome;

    private Timers.Scheduled ringingTimer;
    /** Ends a call whose trunk answers nothing at all (JAIN-SIP's Timer B may not fire after an ICMP error). */
    private Timers.Scheduled setupTimer;

    private Timers.Scheduled cancelGuard;
    private CallState.Ended ending;

    /** {@code agent} makes the call's agent leg: a SIP agent's {@link AgentBridge} or the {@link MediaLeg}. */
    OutboundCall(CallContext context, String callId, java.util.function.Function<OutboundCall, AgentLeg> agent) {
        this.context = context;
        this.callId = callId;
        this.bridge = agent.apply(this);
    }

    /** The SDP offer the INVITE carries. */
    String offer() {
        return bridge.descriptionForTrunk();
    }

    /** The INVITE {@link #dial} sends, built around {@link #offer()}. */
    void prepare(Request request) {
        this.invite = new TrunkInvite(context, request);
    }

    String callId() {
        return callId;
    }

    CallContext context() {
        return context;
    }

    /** Sends the INVITE and waits for the first response: a provisional or 2xx accepts, a final one ends. */
    PlaceResult dial(Duration ringingTimeout) {
        synchronized (this) {
            try {
                invite.send();
            } catch (SipException e) {
                finish(
                        new Outcome.Failed("cannot reach the trunk: " + e.getMessage(), true),
                        "unreachable",
                        Optional.empty());
                return placed.join();
            }
            ringingTimer = context.timers().schedule(ringingTimeout, this::ringingTimedOut);
            setupTimer = context.timers().schedule(context.transactionTimeout(), this::setupTimedOut);
        }
        return placed.join();
    }

    @Override
    public synchronized void onResponse(ResponseEvent event) {
        var response = event.getResponse();
        if (bridge.owns(response)) {
            bridge.onAgentResponse(event);
            return;
        }
        var cseq = (CSeqHeader) response.getHeader(CSeqHeader.NAME);
        if (!cseq.getMethod().equals(Request.INVITE)) {
            return; // responses to CANCEL and BYE change nothing: the INVITE's final response or our BYE did
        }
        if (cseq.getSeqNumber() > invite.sequence()) {
            bridge.onTrunkReinviteResponse(event);
            return;
        }
        int status = response.getStatusCode();
        cancel(setupTimer);
        if (status < 200) {
            provisional(status);
        } else if (status < 300) {
            answered(event, cseq.getSeqNumber());
        } else {
            failed(event, status, response.getReasonPhrase());
        }
    }

    private void provisional(int status) {
        if (state == State.CALLING) {
            state = State.PROCEEDING;
            placed.complete(new PlaceResult.Accepted(callId));
        }
        if (state == State.ENDED) {
            return;
        }
        if (status != Response.TRYING) {
            context.report().ringing();
        }
        if (state == State.PROCEEDING && cancelOutcome != null) {
            sendCancel(); // the ringing timeout or a cancel came before any provisional: CANCEL is allowed now
        }
    }

    private void answered(ResponseEvent event, long sequence) {
        var answeredDialog = event.getDialog();
        context.endpoint().ack(answeredDialog, sequence, Optional.empty());
        switch (state) {
            case CALLING, PROCEEDING -> {
                if (cancelOutcome != null) {
                    raceLost(answeredDialog);
                    return;
                }
                state = State.ANSWERED;
                dialog = answeredDialog;
                cancel(ringingTimer);
                placed.complete(new PlaceResult.Accepted(callId));
                context.report().answered();
                log.debug("Call answered callId={}", callId);
                bridge.start(event.getResponse().getRawContent());
            }
            case CANCELLING -> raceLost(answeredDialog);
            case ENDED -> {
                if (dialog == null) { // a 200 after the CANCEL guard gave up: hang it up all the same
                    dialog = answeredDialog;
                    bye(answeredDialog);
                }
            }
            case ANSWERED -> {} // a retransmitted 200: acknowledged again above
        }
    }

    /** The 200 crossed our CANCEL: it is acknowledged (above) and hung up at once, with the cancel's outcome. */
    private void raceLost(Dialog answeredDialog) {
        dialog = answeredDialog;
        bye(answeredDialog);
        finish(cancelOutcome, "200 OK after CANCEL", Optional.of(Response.OK));
    }

    private void failed(ResponseEvent event, int status, String reason) {
        if (state == State.ENDED || state == State.ANSWERED) {
            return;
        }
        switch (SipOutcomes.ofFailure(
                status,
                reason,
                context.trunk().credentials().isPresent(),
                invite.challenged(),
                Optional.ofNullable(cancelOutcome))) {
            case SipOutcomes.Verdict.Challenge challenge -> answerChallenge(event);
            case SipOutcomes.Verdict.Unusable unusable -> unusable(unusable.reason());
            case SipOutcomes.Verdict.End end -> finish(end.outcome(), end.providerStatus(), Optional.of(end.status()));
        }
    }

    /** Sends the INVITE again with digest credentials (the stack has acknowledged the 401/407 already). */
    private void answerChallenge(ResponseEvent event) {
        try {
            invite.answerChallenge(event);
        } catch (SipException e) {
            finish(
                    new Outcome.Failed("cannot answer the trunk's challenge: " + e.getMessage(), true),
                    "unreachable",
                    Optional.empty());
        }
    }

    @Override
    public synchronized void onRequest(RequestEvent event) {
        var request = event.getRequest();
        if (bridge.owns(request)) {
            bridge.onAgentRequest(event);
            return;
        }
        switch (request.getMethod()) {
            case Request.ACK -> {}
            case Request.BYE -> {
                context.endpoint().respond(event, Response.OK, Optional.empty());
                bridge.hangUp();
                finish(new Outcome.Completed(), "BYE from the trunk", Optional.empty());
            }
            // A session refresh (RFC 4028) offers the same session again: answer with what the trunk has now.
            case Request.INVITE, Request.UPDATE ->
                context.endpoint().respond(event, Response.OK, Optional.of(bridge.descriptionForTrunk()));
            default -> context.endpoint().respond(event, Response.OK, Optional.empty());
        }
    }

    @Override
    public synchronized void onTimeout(ClientTransaction transaction) {
        if (bridge.owns(transaction.getRequest())
                || ((CSeqHeader) transaction.getRequest().getHeader(CSeqHeader.NAME)).getSeqNumber()
                        > invite.sequence()) {
            bridge.onTimeout(transaction);
        } else if (invite.is(transaction) && state == State.CALLING) {
            setupTimedOut(); // Timer B
        }
    }

    /** Nothing came back from the trunk, not even a 100 Trying: a CANCEL is not allowed, the INVITE is dropped. */
    private synchronized void setupTimedOut() {
        if (state != State.CALLING) {
            return;
        }
        invite.drop();
        finish(
                cancelOutcome != null ? cancelOutcome : new Outcome.Failed("the trunk did not answer the INVITE", true),
                "timeout",
                Optional.empty());
    }

    private synchronized void ringingTimedOut() {
        stop(new Outcome.NoAnswer());
    }

    /** The batch was cancelled: a call not answered yet is CANCELled (as soon as that is allowed). */
    synchronized void cancel() {
        stop(new Outcome.Cancelled());
    }

    private void stop(Outcome outcome) {
        if ((state == State.CALLING || state == State.PROCEEDING) && cancelOutcome == null) {
            cancelOutcome = outcome;
            if (state == State.PROCEEDING) {
                sendCancel(); // RFC 3261 9.1: before any provisional, wait for one (or for Timer B)
            }
        }
    }

    private void sendCancel() {
        state = State.CANCELLING;
        cancel(ringingTimer);
        invite.cancel();
        cancelGuard = context.timers().schedule(context.transactionTimeout(), this::cancelUnanswered);
    }

    /** The trunk answered neither our CANCEL nor the INVITE: the INVITE transaction is ended by us. */
    private synchronized void cancelUnanswered() {
        if (state != State.CANCELLING) {
            return;
        }
        invite.drop();
        finish(cancelOutcome, "CANCEL unanswered", Optional.empty());
    }

    /** The batch was deleted while the call was up: both legs are hung up. */
    synchronized void hangUp() {
        if (state == State.ANSWERED) {
            bridge.hangUp();
            agentLegEnded(new Outcome.Completed(), "hung up by batchcall");
        }
    }

    /** The agent leg ended the call (its BYE, or it could not be connected): the trunk leg goes too. */
    void agentLegEnded(Outcome outcome, String providerStatus) {
        if (state == State.ANSWERED) {
            bye(dialog);
        }
        finish(outcome, providerStatus, Optional.empty());
    }

    synchronized CallState state() {
        return switch (state) {
            case CALLING, PROCEEDING, CANCELLING -> new CallState.Ringing(callId);
            case ANSWERED -> new CallState.Answered(callId);
            case ENDED -> ending;
        };
    }

    Dialog dialog() {
        return dialog;
    }

    private void unusable(String reason) {
        if (!placed.isDone()) {
            placed.complete(new PlaceResult.Unusable(reason));
            context.report().endedSilently();
        }
        finish(new Outcome.Failed(reason, false), "unusable", Optional.empty());
    }

    /** Ends the call once: the dial request's result carries the end if it is still waiting, else the report. */
    private void finish(Outcome outcome, String providerStatus, Optional<Integer> sipCode) {
        if (state == State.ENDED) {
            return;
        }
        state = State.ENDED;
        ending = new CallState.Ended(outcome, Optional.of(providerStatus), sipCode);
        cancel(ringingTimer);
        cancel(setupTimer);
        cancel(cancelGuard);
        if (placed.complete(new PlaceResult.Ended(outcome, Optional.of(providerStatus), sipCode))) {
            context.report().endedSilently();
        } else {
            context.report().ended(outcome, providerStatus, sipCode);
        }
        log.debug("Call ended callId={} outcome={} status={}", callId, outcome.wireName(), providerStatus);
        // Kept a while longer so that late responses (a 200 after the CANCEL guard) still find the call.
        context.timers().schedule(context.transactionTimeout(), () -> {
            context.endpoint().unregister(callId);
            bridge.forget();
            context.forget().run();
        });
    }

    private void bye(Dialog target) {
        context.endpoint().bye(target, context.t1());
    }

    private static void cancel(Timers.Scheduled timer) {
        if (timer != null) {
            timer.cancel();
        }
    }
}
