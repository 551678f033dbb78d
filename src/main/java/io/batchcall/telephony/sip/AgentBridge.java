package io.batchcall.telephony.sip;

import io.batchcall.domain.Outcome;
import io.batchcall.telephony.Timers;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import javax.sip.ClientTransaction;
import javax.sip.Dialog;
import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.SipException;
import javax.sip.address.SipURI;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.ContactHeader;
import javax.sip.message.Message;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects an answered call to the agent, signalling only (third-party call control, RFC 3725), so that media
 * flows between the trunk and the agent and never through batchcall:
 * <pre>
 *   trunk leg: INVITE (inactive offer) ... 200 (answer) / ACK          [the recipient answered]
 *   agent leg: INVITE (no SDP) -> 200 (agent's offer)                   [held only until the trunk answers below]
 *   trunk leg: re-INVITE (agent's offer) -> 200 (trunk's answer) / ACK
 *   agent leg: ACK (trunk's answer)                                     [media: trunk <-> agent]
 * </pre>
 * A BYE on either leg ends the other. Called only under its {@link OutboundCall}'s lock.
 */
final class AgentBridge implements AgentLeg {
    private static final Logger log = LoggerFactory.getLogger(AgentBridge.class);

    /** Where the agent is, and what it is told about the call. */
    record Target(SipURI uri, String recipient, Map<String, String> headers) {}

    private enum Step {
        WAITING,
        INVITING,
        REINVITING,
        BRIDGED,
        ENDED
    }

    private final OutboundCall call;
    private final CallContext context;
    private final Target target;
    private final long sessionId = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
    private Step step = Step.WAITING;
    private String agentCallId;
    private ClientTransaction agentInvite;
    private boolean agentRinging;
    private Dialog agentDialog;
    private long agentSequence;
    private long reinviteSequence;
    /** The description the trunk has from us now: our inactive offer, then the agent's. */
    private String toTrunk;

    private long trunkVersion = 1;
    private String toAgent = "";
    private Timers.Scheduled guard;

    AgentBridge(OutboundCall call, CallContext context, Target target) {
        this.call = call;
        this.context = context;
        this.target = target;
        this.toTrunk = SessionDescriptions.inactiveOffer(
                context.endpoint().host(), sessionId, context.trunk().codecs());
    }

    /** The first offer to the trunk, sent with the INVITE. */
    @Override
    public String descriptionForTrunk() {
        return toTrunk;
    }

    @Override
    public boolean owns(Message message) {
        var callId = (CallIdHeader) message.getHeader(CallIdHeader.NAME);
        return agentCallId != null && callId != null && agentCallId.equals(callId.getCallId());
    }

    /** The recipient answered: invite the agent, without an offer, so that it makes one. */
    @Override
    public void start(byte[] trunkAnswer) {
        if (trunkAnswer != null) {
            toAgent = new String(trunkAnswer, StandardCharsets.UTF_8);
        }
        step = Step.INVITING;
        var callId = context.endpoint().newCallId();
        agentCallId = callId.getCallId();
        context.endpoint().register(agentCallId, call);
        try {
            var invite = context.requests().agentInvite(callId, target.uri(), target.recipient(), target.headers());
            agentInvite = context.endpoint().provider().getNewClientTransaction(invite);
            agentInvite.setRetransmitTimer((int) context.t1().toMillis());
            agentInvite.sendRequest();
        } catch (SipException | java.text.ParseException | javax.sip.InvalidArgumentException e) {
            fail("cannot reach the agent: " + e.getMessage());
            return;
        }
        guard = context.timers().schedule(context.transactionTimeout(), () -> {
            synchronized (call) {
                if (step == Step.INVITING) {
                    fail("the agent did not answer within "
                            + context.transactionTimeout().toSeconds() + " s");
                }
            }
        });
    }

    @Override
    public void onAgentResponse(ResponseEvent event) {
        var response = event.getResponse();
        var cseq = (CSeqHeader) response.getHeader(CSeqHeader.NAME);
        int status = response.getStatusCode();
        if (!cseq.getMethod().equals(Request.INVITE)) {
            return;
        }
        if (status < 200) {
            agentRinging = true;
        } else if (status >= 300) {
            if (step == Step.INVITING) {
                step = Step.ENDED; // the stack acknowledges failures itself
                fail("the agent answered " + SipOutcomes.providerStatus(status, response.getReasonPhrase()));
            }
        } else if (step != Step.INVITING) {
            // a retransmitted 200, or one that came after we gave up: acknowledge, and hang up if over
            context.endpoint().ack(event.getDialog(), cseq.getSeqNumber(), Optional.empty());
            if (step == Step.ENDED) {
                context.endpoint().bye(event.getDialog(), context.t1());
            }
        } else {
            agentAnswered(event, cseq.getSeqNumber());
        }
    }

    /** The agent's 200 carries its offer: offer it to the trunk, holding the agent's ACK for the trunk's answer. */
    private void agentAnswered(ResponseEvent event, long sequence) {
        agentDialog = event.getDialog();
        agentSequence = sequence;
        cancel(guard);
        var offer = event.getResponse().getRawContent();
        if (offer == null || offer.length == 0) {
            context.endpoint().ack(agentDialog, sequence, Optional.empty());
            fail("the agent answered without an SDP offer");
            return;
        }
        trunkVersion++;
        toTrunk = SessionDescriptions.reoffer(
                new String(offer, StandardCharsets.UTF_8), context.endpoint().host(), sessionId, trunkVersion);
        try {
            var trunkDialog = call.dialog();
            var reinvite = trunkDialog.createRequest(Request.INVITE);
            if (reinvite.getHeader(ContactHeader.NAME) == null) {
                reinvite.addHeader(context.endpoint().contact(context.trunk().transport()));
            }
            reinvite.setContent(toTrunk, context.endpoint().headers().createContentTypeHeader("application", "sdp"));
            reinviteSequence = ((CSeqHeader) reinvite.getHeader(CSeqHeader.NAME)).getSeqNumber();
            var transaction = context.endpoint().provider().getNewClientTransaction(reinvite);
            transaction.setRetransmitTimer((int) context.t1().toMillis());
            trunkDialog.sendRequest(transaction);
            step = Step.REINVITING;
        } catch (SipException | java.text.ParseException e) {
            fail("cannot re-INVITE the trunk: " + e.getMessage());
        }
    }

    @Override
    public void onTrunkReinviteResponse(ResponseEvent event) {
        var response = event.getResponse();
        int status = response.getStatusCode();
        long sequence = ((CSeqHeader) response.getHeader(CSeqHeader.NAME)).getSeqNumber();
        if (status < 200 || sequence != reinviteSequence) {
            return;
        }
        if (status >= 300) {
            if (step == Step.REINVITING) {
                fail("the trunk refused the agent's media: "
                        + SipOutcomes.providerStatus(status, response.getReasonPhrase()));
            }
            return;
        }
        context.endpoint().ack(call.dialog(), sequence, Optional.empty());
        if (step == Step.REINVITING) {
            var answer = response.getRawContent();
            toAgent = answer == null ? toAgent : new String(answer, StandardCharsets.UTF_8);
            context.endpoint().ack(agentDialog, agentSequence, Optional.of(toAgent));
            step = Step.BRIDGED;
            log.debug("Call bridged to the agent callId={}", call.callId());
        }
    }

    @Override
    public void onAgentRequest(RequestEvent event) {
        switch (event.getRequest().getMethod()) {
            case Request.ACK -> {}
            case Request.BYE -> {
                context.endpoint().respond(event, Response.OK, Optional.empty());
                boolean wasConnected = step == Step.BRIDGED || step == Step.REINVITING;
                step = Step.ENDED;
                cancel(guard);
                call.agentLegEnded(
                        wasConnected
                                ? new Outcome.Completed()
                                : new Outcome.Failed("the agent hung up before it was connected", true),
                        "BYE from the agent");
            }
            // A session refresh from the agent: answer with what it has from the trunk.
            case Request.INVITE, Request.UPDATE -> context.endpoint().respond(event, Response.OK, Optional.of(toAgent));
            default -> context.endpoint().respond(event, Response.OK, Optional.empty());
        }
    }

    @Override
    public void onTimeout(ClientTransaction transaction) {
        if (transaction == agentInvite && step == Step.INVITING) {
            fail("the agent did not answer");
        } else if (step == Step.REINVITING
                && ((CSeqHeader) transaction.getRequest().getHeader(CSeqHeader.NAME)).getSeqNumber() == reinviteSequence
                && !owns(transaction.getRequest())) {
            fail("the trunk did not answer the re-INVITE");
        }
    }

    /** The trunk leg ended: end the agent leg in whatever state it is. */
    @Override
    public void hangUp() {
        cancel(guard);
        switch (step) {
            case WAITING, ENDED -> {}
            case INVITING -> {
                try {
                    if (agentRinging) {
                        var cancel = context.endpoint().provider().getNewClientTransaction(agentInvite.createCancel());
                        cancel.sendRequest();
                    } else {
                        agentInvite.terminate(); // a 200 that still comes is acknowledged and hung up
                    }
                } catch (SipException e) {
                    log.debug("Agent INVITE not cancelled callId={} error={}", agentCallId, e.toString());
                }
            }
            case REINVITING -> {
                context.endpoint().ack(agentDialog, agentSequence, Optional.empty());
                context.endpoint().bye(agentDialog, context.t1());
            }
            case BRIDGED -> context.endpoint().bye(agentDialog, context.t1());
        }
        step = Step.ENDED;
    }

    /** The agent could not be connected: the recipient is hung up, and the attempt failed (retryable). */
    private void fail(String reason) {
        log.warn("Agent not connected callId={} reason={}", call.callId(), reason);
        hangUp();
        call.agentLegEnded(new Outcome.Failed(reason, true), "agent not connected");
    }

    @Override
    public void forget() {
        if (agentCallId != null) {
            context.endpoint().unregister(agentCallId);
        }
    }

    private static void cancel(Timers.Scheduled timer) {
        if (timer != null) {
            timer.cancel();
        }
    }
}
