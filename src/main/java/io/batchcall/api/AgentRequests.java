package io.batchcall.api;

import io.batchcall.domain.Change;
import io.batchcall.domain.EgressPolicy;
import io.batchcall.store.AgentStore;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/** Reads the bodies of creating and patching an agent, with our extension fields and their rules. */
final class AgentRequests {
    static final int MAX_CONCURRENCY_LIMIT = 100_000;

    private AgentRequests() {}

    /** A create request, and the number to assign to the new agent, if any. */
    record Create(AgentStore.NewAgent agent, Optional<String> phoneNumberId) {}

    static Create create(JsonBody body, EgressPolicy egress) {
        var name = body.requiredNonBlankText("name");
        var config = body.optionalObject("conversation_config").map(c -> c.node().toString()).orElse("{}");
        var tags = tags(body).orElse("[]");
        var limit = concurrencyLimit(body);
        var url = body.optionalText("media_stream_url");
        url.ifPresent(u -> checkMediaStreamUrl(body, u, egress));
        var sipUri = body.optionalText("sip_uri");
        sipUri.ifPresent(u -> checkSipUri(body, u, egress));
        var phoneNumberId = body.optionalText("phone_number_id");
        body.throwIfInvalid();
        return new Create(new AgentStore.NewAgent(name, config, tags, limit, url, sipUri), phoneNumberId);
    }

    /** A PATCH: absent fields are kept; an explicit null clears a nullable one (and keeps a required one). */
    static AgentStore.Changes update(JsonBody body, EgressPolicy egress) {
        var name = body.raw("name").isPresent() ? Optional.of(body.requiredNonBlankText("name")) : Optional.<String>empty();
        var config = body.optionalObject("conversation_config").map(c -> c.node().toString());
        var tags = tags(body);
        Change<Integer> limit = change(body, "concurrency_limit", b -> concurrencyLimit(b));
        Change<String> url = change(body, "media_stream_url", b -> b.optionalText("media_stream_url"));
        url.setValue().ifPresent(u -> checkMediaStreamUrl(body, u, egress));
        Change<String> sipUri = change(body, "sip_uri", b -> b.optionalText("sip_uri"));
        sipUri.setValue().ifPresent(u -> checkSipUri(body, u, egress));
        Change<String> phoneNumberId = change(body, "phone_number_id", b -> b.optionalText("phone_number_id"));
        body.throwIfInvalid();
        return new AgentStore.Changes(name, config, tags, limit, url, sipUri, phoneNumberId);
    }

    private static <T> Change<T> change(JsonBody body, String field, Function<JsonBody, Optional<T>> read) {
        if (!body.has(field)) {
            return Change.keep();
        }
        return read.apply(body).<Change<T>>map(Change::setTo).orElse(Change.clear());
    }

    private static Optional<String> tags(JsonBody body) {
        return body.optionalTextList("tags").map(list -> Json.MAPPER.valueToTree(list).toString());
    }

    private static Optional<Integer> concurrencyLimit(JsonBody body) {
        var limit = body.optionalInt("concurrency_limit");
        body.atLeast("concurrency_limit", limit, 1);
        body.atMost("concurrency_limit", limit, MAX_CONCURRENCY_LIMIT);
        return limit;
    }

    private static void checkMediaStreamUrl(JsonBody body, String url, EgressPolicy egress) {
        try {
            var uri = new URI(url);
            if (uri.getScheme() == null || uri.getHost() == null) {
                body.violate("media_stream_url", "Input should be a valid URL, relative URL without a base",
                        "url_parsing");
            } else if (!uri.getScheme().equalsIgnoreCase("ws") && !uri.getScheme().equalsIgnoreCase("wss")) {
                body.violate("media_stream_url", "URL scheme should be 'ws' or 'wss'", "url_scheme");
            } else {
                egress.refusal(uri.getHost()).ifPresent(refusal -> body.violate("media_stream_url",
                        "Value error, " + refusal, "value_error"));
            }
        } catch (URISyntaxException e) {
            body.violate("media_stream_url", "Input should be a valid URL, " + e.getReason(), "url_parsing");
        }
    }

    private static void checkSipUri(JsonBody body, String uri, EgressPolicy egress) {
        var lower = uri.toLowerCase(Locale.ROOT);
        var rest = lower.startsWith("sips:") ? uri.substring(5) : lower.startsWith("sip:") ? uri.substring(4) : null;
        if (rest == null || rest.isBlank() || rest.chars().anyMatch(Character::isWhitespace)) {
            body.violate("sip_uri", "Value error, should be a SIP URI such as sip:agent@example.com (sip: or sips:)",
                    "value_error");
            return;
        }
        egress.refusal(EgressPolicy.hostOfSipUri(uri)).ifPresent(refusal -> body.violate("sip_uri",
                "Value error, " + refusal, "value_error"));
    }
}
