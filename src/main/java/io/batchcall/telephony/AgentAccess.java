package io.batchcall.telephony;

import io.batchcall.domain.ConversationRef;

/**
 * What every call tells its agent besides the conversation id: a per-conversation token and the URL where the
 * agent, with that token and no workspace API key, reads its call's data and reports how it went.
 */
@FunctionalInterface
public interface AgentAccess {
    Grant grant(ConversationRef conversation);

    /** The token ({@code Authorization: Bearer}) and the URL it opens. */
    record Grant(String token, String url) {}
}
