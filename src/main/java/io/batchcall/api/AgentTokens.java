package io.batchcall.api;

import io.batchcall.domain.ConversationRef;
import io.batchcall.domain.WorkspaceId;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The token every call carries to its agent: {@code <workspace id>.<HMAC of the conversation>}, with a key derived
 * from the secret key, so that nothing is stored and every node sharing the key accepts it. It opens one
 * conversation to its agent, to read what the call is about and to report how it went; it is no API key. The
 * workspace id travels in clear because conversation ids are unique only within a workspace.
 */
public final class AgentTokens {
    static final String PATH = "/agent/v1/conversations";

    private final SecretKeySpec key;
    private final Optional<String> publicUrl;

    public AgentTokens(byte[] key, Optional<String> publicUrl) {
        this.key = new SecretKeySpec(key.clone(), "HmacSHA256");
        this.publicUrl = publicUrl;
    }

    public String token(ConversationRef conversation) {
        return conversation.workspaceId().value() + "." + mac(conversation);
    }

    /**
     * Where the agent reads its conversation: an absolute URL under {@code BATCHCALL_PUBLIC_URL}, or without one the
     * path alone, for an agent that knows the server's address.
     */
    public String url(ConversationRef conversation) {
        return publicUrl.orElse("") + PATH + "/" + conversation.conversationId();
    }

    /** The conversation the token opens, if {@code presented} is a token of ours for {@code conversationId}. */
    Optional<ConversationRef> verify(String conversationId, String presented) {
        int dot = presented.lastIndexOf('.');
        if (dot <= 0) {
            return Optional.empty();
        }
        var claimed = new ConversationRef(new WorkspaceId(presented.substring(0, dot)), conversationId);
        var expected = token(claimed).getBytes(StandardCharsets.UTF_8);
        // Constant time: a token compared byte by byte with early exit leaks its prefix through timing.
        return MessageDigest.isEqual(expected, presented.getBytes(StandardCharsets.UTF_8))
                ? Optional.of(claimed)
                : Optional.empty();
    }

    private String mac(ConversationRef conversation) {
        try {
            var mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            var message = "agent/" + conversation.workspaceId().value() + "/" + conversation.conversationId();
            return Base64.getUrlEncoder()
                    .withoutPadding()
                    .encodeToString(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is part of every JDK", e);
        }
    }
}
