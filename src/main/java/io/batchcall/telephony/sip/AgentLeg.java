package io.batchcall.telephony.sip;

import javax.sip.ClientTransaction;
import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.message.Message;

/**
 * How an answered trunk call reaches its agent: by signalling to the agent's SIP URI ({@link AgentBridge}), or
 * through batchcall's media bridge to the agent's media stream ({@link MediaLeg}). Called only under its
 * {@link OutboundCall}'s lock.
 */
sealed interface AgentLeg permits AgentBridge, MediaLeg {
    /** The SDP the trunk has from us now: the INVITE's offer, and the answer to a session refresh. */
    String descriptionForTrunk();

    /** Whether this SIP message belongs to the agent's own dialog (only a SIP agent has one). */
    boolean owns(Message message);

    /** The recipient answered with this SDP (null when the 200 carried none): connect the agent. */
    void start(byte[] trunkAnswer);

    void onAgentResponse(ResponseEvent event);

    void onTrunkReinviteResponse(ResponseEvent event);

    void onAgentRequest(RequestEvent event);

    void onTimeout(ClientTransaction transaction);

    /** The trunk leg ended: end the agent's side in whatever state it is. */
    void hangUp();

    /** The call is over and forgotten: release what is still held. */
    void forget();
}
