package io.batchcall.telephony.sip;

import io.batchcall.domain.Outcome;
import io.batchcall.telephony.media.MediaBridge;
import io.batchcall.telephony.media.SdpException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import javax.sip.ClientTransaction;
import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.message.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects an answered trunk call to an agent that has only a media stream URL: batchcall terminates the call's
 * audio itself ({@link MediaBridge}) and speaks Twilio's Media Streams to the agent.
 * <pre>
 *   trunk leg: INVITE (the bridge's offer: PCMU, PCMA, telephone-event) ... 200 (answer) / ACK
 *   bridge:    RTP trunk <-> batchcall <-> WebSocket to the agent (connected, start, media, mark, clear, stop)
 * </pre>
 * A BYE from the trunk stops the bridge (the agent gets {@code stop}); the agent closing its socket, or the trunk
 * sending no audio for the silence timeout, hangs up the trunk. Called under its {@link OutboundCall}'s lock, but
 * the bridge's end arrives on its own threads and takes that lock itself.
 */
final class MediaLeg implements AgentLeg {
    private static final Logger log = LoggerFactory.getLogger(MediaLeg.class);

    private final OutboundCall call;
    private final MediaBridge media;
    private final MediaBridge.AgentTarget target;
    private final String offer;

    MediaLeg(OutboundCall call, MediaBridge media, MediaBridge.AgentTarget target) {
        this.call = call;
        this.media = media;
        this.target = target;
        this.offer = media.offer(ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE))
                .text();
    }

    @Override
    public String descriptionForTrunk() {
        return offer;
    }

    @Override
    public boolean owns(Message message) {
        return false; // the agent is a WebSocket: no SIP message is ever its
    }

    @Override
    public void start(byte[] trunkAnswer) {
        if (trunkAnswer == null || trunkAnswer.length == 0) {
            fail("the trunk answered without SDP");
            return;
        }
        try {
            media.start(new String(trunkAnswer, StandardCharsets.UTF_8), target, this::ended);
            log.debug(
                    "Call bridged to the agent's media stream callId={} local={}", call.callId(), media.localAddress());
        } catch (SdpException e) {
            fail("the trunk's SDP answer cannot be bridged: " + e.getMessage());
        }
    }

    /** The bridge's end, on one of its threads (or ours, for a stop we asked for, which changes nothing). */
    private void ended(MediaBridge.End reason) {
        if (reason == MediaBridge.End.STOPPED) {
            return;
        }
        synchronized (call) {
            switch (reason) {
                case AGENT_CLOSED -> call.agentLegEnded(new Outcome.Completed(), "the agent closed its media stream");
                case AGENT_UNREACHABLE ->
                    call.agentLegEnded(
                            new Outcome.Failed("the agent's media_stream_url could not be opened", true),
                            "agent not connected");
                case CALLER_SILENT ->
                    // Audio that never came at all is a broken media path (a NAT, a firewall), worth another try;
                    // audio that stopped is a call that died after it was had.
                    call.agentLegEnded(
                            media.counters().packetsIn() == 0
                                    ? new Outcome.Failed("no audio ever came from the trunk", true)
                                    : new Outcome.Completed(),
                            "no audio from the trunk");
                case STOPPED -> {}
            }
        }
    }

    private void fail(String reason) {
        log.warn("Agent not connected callId={} reason={}", call.callId(), reason);
        media.stop();
        call.agentLegEnded(new Outcome.Failed(reason, true), "agent not connected");
    }

    @Override
    public void onAgentResponse(ResponseEvent event) {}

    @Override
    public void onTrunkReinviteResponse(ResponseEvent event) {} // the bridge never re-INVITEs the trunk

    @Override
    public void onAgentRequest(RequestEvent event) {}

    @Override
    public void onTimeout(ClientTransaction transaction) {}

    @Override
    public void hangUp() {
        media.stop();
    }

    @Override
    public void forget() {
        media.stop(); // a call that ended before it was answered still holds its socket
    }
}
