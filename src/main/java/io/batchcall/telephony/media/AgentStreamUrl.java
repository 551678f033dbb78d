package io.batchcall.telephony.media;

import io.batchcall.domain.EgressPolicy;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Optional;

/**
 * An agent's {@code media_stream_url} as a bridge is about to dial it: parsed and allowed by the egress policy, or
 * the reason it cannot be used (which fails the batch: every call to that agent would meet it).
 */
public sealed interface AgentStreamUrl {
    record Usable(URI url) implements AgentStreamUrl {}

    record Refused(String reason) implements AgentStreamUrl {}

    static AgentStreamUrl check(String text, EgressPolicy egress) {
        URI url;
        try {
            url = new URI(text);
        } catch (URISyntaxException e) {
            return new Refused("the agent's media_stream_url cannot be used: " + e.getMessage());
        }
        var refusal = Optional.ofNullable(url.getHost()).flatMap(egress::refusal);
        return refusal.<AgentStreamUrl>map(reason -> new Refused("the agent's media_stream_url is refused: " + reason))
                .orElse(new Usable(url));
    }
}
