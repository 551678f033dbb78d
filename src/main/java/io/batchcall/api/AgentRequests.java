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
        // ElevenLabs' name is optional; an unnamed agent is named "" as it is in ElevenLabs' list.
        var name = body.raw("name").isPresent() ? body.requiredNonBlankText("name") : "";
        var config = body.optionalObject("conversation_config")
                .map(c -> c.node().toString())
                .orElse("{}");
        var tags = tags(body).orElse("[]");
        var limits = callLimits(body);
        var limit = concurrencyLimit(body, limits);
        var url = body.optionalText("media_stream_url");
        url.ifPresent(u -> checkMediaStreamUrl(body, u, egress));
        var sipUri = body.optionalText("sip_uri");
        sipUri.ifPresent(u -> checkSipUri(body, u, egress));
        var phoneNumberId = body.optionalText("phone_number_id");
        body.throwIfInvalid();
        var settings = limits.settingsJson().orElse("{}");
        return new Create(
                new AgentStore.NewAgent(
                        name,
                        config,
                        tags,
                        limit.setValue(),
                        url,
                        sipUri,
                        settings,
                        limits.dailyLimit().setValue(),
                        limits.burstingEnabled().orElse(false)),
                phoneNumberId);
    }

    /** A PATCH: absent fields are kept; an explicit null clears a nullable one (and keeps a required one). */
    static AgentStore.Changes update(JsonBody body, EgressPolicy egress) {
        var name = body.raw("name").isPresent()
                ? Optional.of(body.requiredNonBlankText("name"))
                : Optional.<String>empty();
        var config =
                body.optionalObject("conversation_config").map(c -> c.node().toString());
        var tags = tags(body);
        var limits = callLimits(body);
        Change<Integer> limit = concurrencyLimit(body, limits);
        Change<String> url = change(body, "media_stream_url", b -> b.optionalText("media_stream_url"));
        url.setValue().ifPresent(u -> checkMediaStreamUrl(body, u, egress));
        Change<String> sipUri = change(body, "sip_uri", b -> b.optionalText("sip_uri"));
        sipUri.setValue().ifPresent(u -> checkSipUri(body, u, egress));
        Change<String> phoneNumberId = change(body, "phone_number_id", b -> b.optionalText("phone_number_id"));
        body.throwIfInvalid();
        return new AgentStore.Changes(
                name,
                config,
                tags,
                limit,
                url,
                sipUri,
                phoneNumberId,
                limits.settingsJson(),
                limits.dailyLimit(),
                limits.burstingEnabled());
    }

    /**
     * ElevenLabs' {@code platform_settings} (kept as given, without {@code call_limits}, which live in columns)
     * and its {@code call_limits}: each field absent keeps the current value; {@code agent_concurrency_limit} -1
     * and {@code daily_limit} null mean none.
     */
    private record CallLimits(
            Optional<String> settingsJson,
            Change<Integer> concurrencyLimit,
            Change<Integer> dailyLimit,
            Optional<Boolean> burstingEnabled) {}

    private static CallLimits callLimits(JsonBody body) {
        var settings = body.optionalObject("platform_settings");
        if (settings.isEmpty()) {
            return new CallLimits(Optional.empty(), Change.keep(), Change.keep(), Optional.empty());
        }
        var stored = ((com.fasterxml.jackson.databind.node.ObjectNode)
                settings.get().node().deepCopy());
        stored.remove("call_limits");
        var limits = settings.get().optionalObject("call_limits");
        if (limits.isEmpty()) {
            return new CallLimits(Optional.of(stored.toString()), Change.keep(), Change.keep(), Optional.empty());
        }
        var callLimits = limits.get();
        Change<Integer> concurrency = Change.keep();
        if (callLimits.has("agent_concurrency_limit")) {
            var value = callLimits.optionalInt("agent_concurrency_limit");
            if (value.isPresent() && value.get() != -1 && (value.get() < 1 || value.get() > MAX_CONCURRENCY_LIMIT)) {
                callLimits.violate(
                        "agent_concurrency_limit",
                        "Input should be -1 (no limit) or between 1 and " + MAX_CONCURRENCY_LIMIT,
                        "value_error");
            }
            concurrency = value.filter(v -> v != -1)
                    .<Change<Integer>>map(Change::setTo)
                    .orElse(Change.clear());
        }
        Change<Integer> daily = change(callLimits, "daily_limit", b -> {
            var value = b.optionalInt("daily_limit");
            b.atLeast("daily_limit", value, 1);
            return value;
        });
        var bursting = callLimits.optionalBoolean("bursting_enabled");
        return new CallLimits(Optional.of(stored.toString()), concurrency, daily, bursting);
    }

    /**
     * The agent's concurrency limit: our {@code concurrency_limit} or ElevenLabs' {@code agent_concurrency_limit},
     * the same column; naming both with different values is refused.
     */
    private static Change<Integer> concurrencyLimit(JsonBody body, CallLimits limits) {
        Change<Integer> ours = change(body, "concurrency_limit", b -> concurrencyLimit(b));
        if (!ours.changes()) {
            return limits.concurrencyLimit();
        }
        if (limits.concurrencyLimit().changes()
                && !java.util.Objects.equals(
                        ours.newValueOrNull(), limits.concurrencyLimit().newValueOrNull())) {
            body.violate(
                    "concurrency_limit",
                    "Value error, concurrency_limit and"
                            + " platform_settings.call_limits.agent_concurrency_limit disagree; send one of them",
                    "value_error");
        }
        return ours;
    }

    private static <T> Change<T> change(JsonBody body, String field, Function<JsonBody, Optional<T>> read) {
        if (!body.has(field)) {
            return Change.keep();
        }
        return read.apply(body).<Change<T>>map(Change::setTo).orElse(Change.clear());
    }

    private static Optional<String> tags(JsonBody body) {
        return body.optionalTextList("tags")
                .map(list -> Json.MAPPER.valueToTree(list).toString());
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
                body.violate(
                        "media_stream_url", "Input should be a valid URL, relative URL without a base", "url_parsing");
            } else if (!uri.getScheme().equalsIgnoreCase("ws")
                    && !uri.getScheme().equalsIgnoreCase("wss")) {
                body.violate("media_stream_url", "URL scheme should be 'ws' or 'wss'", "url_scheme");
            } else {
                egress.refusal(uri.getHost())
                        .ifPresent(
                                refusal -> body.violate("media_stream_url", "Value error, " + refusal, "value_error"));
            }
        } catch (URISyntaxException e) {
            body.violate("media_stream_url", "Input should be a valid URL, " + e.getReason(), "url_parsing");
        }
    }

    private static void checkSipUri(JsonBody body, String uri, EgressPolicy egress) {
        var lower = uri.toLowerCase(Locale.ROOT);
        var rest = lower.startsWith("sips:") ? uri.substring(5) : lower.startsWith("sip:") ? uri.substring(4) : null;
        if (rest == null || rest.isBlank() || rest.chars().anyMatch(Character::isWhitespace)) {
            body.violate(
                    "sip_uri",
                    "Value error, should be a SIP URI such as sip:agent@example.com (sip: or sips:)",
                    "value_error");
            return;
        }
        egress.refusal(EgressPolicy.hostOfSipUri(uri))
                .ifPresent(refusal -> body.violate("sip_uri", "Value error, " + refusal, "value_error"));
    }
}
