package io.batchcall.api;

import io.batchcall.domain.RecipientStatus;
import io.batchcall.domain.UnixTime;
import io.batchcall.store.DeliveryLog;
import io.batchcall.store.WebhookStore;
import io.batchcall.webhooks.WebhookUrls;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The webhook API's request bodies and query parameters, validated as FastAPI would (every violation at once). */
final class WebhookRequests {
    /** Every event type batchcall writes, which {@code event_types} may name exactly. */
    static final List<String> EVENT_TYPES = Stream.of(
                    Stream.of(
                            "batch.created",
                            "batch.started",
                            "batch.completed",
                            "batch.failed",
                            "batch.cancelled",
                            "batch.retried",
                            "batch.deleted",
                            "batch.paused",
                            "batch.resumed",
                            "batch.updated",
                            "batch.recipients_added"),
                    Arrays.stream(RecipientStatus.values()).map(s -> "recipient." + s.wireName()),
                    // A pending recipient held by the campaign rules (the claim writes it): its status is unchanged.
                    Stream.of("recipient.held"),
                    Stream.of("recipient.retry_scheduled"),
                    Stream.of(
                            "call.machine_detected",
                            "post_call_transcription",
                            "call_initiation_failure",
                            "webhook.test",
                            "webhook.endpoint_disabled"))
            .flatMap(s -> s)
            .toList();
    /** The wildcards {@code event_types} accepts besides exact types. */
    static final List<String> WILDCARDS = List.of("*", "batch.*", "recipient.*", "call.*", "webhook.*");
    /** ElevenLabs' post-call event types, which a post-call webhook receives as the settings select them. */
    static final List<String> POST_CALL_TYPES = List.of("post_call_transcription", "call_initiation_failure");

    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}");
    /** Headers a webhook may not set: ours (content, signatures) and those HTTP itself manages. */
    private static final Set<String> RESERVED_HEADERS = Set.of(
            "content-type",
            "content-length",
            "host",
            "connection",
            "expect",
            "upgrade",
            "transfer-encoding",
            "te",
            "trailer",
            "keep-alive",
            "user-agent",
            "elevenlabs-signature",
            "webhook-id",
            "webhook-timestamp",
            "webhook-signature");

    static final int MAX_PAGE_SIZE = 100;
    static final int DEFAULT_PAGE_SIZE = 30;

    private WebhookRequests() {}

    /** POST /v1/workspace/webhooks: {@code {settings:{auth_type:"hmac", name, webhook_url, ...}}}. */
    static WebhookStore.NewWebhook create(JsonBody body, WebhookUrls urls) {
        var settings = body.optionalObject("settings");
        if (settings.isEmpty()) {
            if (body.raw("settings").isEmpty()) {
                body.violate("settings", "Field required", "missing");
            }
            body.throwIfInvalid();
        }
        var fields = settings.orElseThrow();
        var authType = fields.requiredText("auth_type");
        if (fields.raw("auth_type").filter(n -> n.isTextual()).isPresent() && !authType.equals("hmac")) {
            fields.violate("auth_type", "Input should be 'hmac'", "literal_error");
        }
        var name = fields.requiredNonBlankText("name");
        var url = fields.requiredText("webhook_url");
        if (fields.raw("webhook_url").filter(n -> n.isTextual()).isPresent()) {
            urls.refusal(url)
                    .ifPresent(reason -> fields.violate("webhook_url", "Value error, " + reason, "value_error"));
        }
        var headers = requestHeaders(fields).orElse(Map.of());
        var eventTypes = eventTypes(fields).orElse(List.of());
        var retry = fields.optionalBoolean("retry_enabled").orElse(true);
        body.throwIfInvalid();
        return new WebhookStore.NewWebhook(name, url, headers, eventTypes, retry);
    }

    /** PATCH /v1/workspace/webhooks/{id}: ElevenLabs' body, plus our {@code event_types} and {@code webhook_url}. */
    static WebhookStore.WebhookUpdate update(JsonBody body, WebhookUrls urls) {
        var disabled = body.optionalBoolean("is_disabled");
        if (!body.has("is_disabled") || body.raw("is_disabled").isEmpty()) {
            body.violate("is_disabled", "Field required", "missing");
        }
        var name = body.requiredNonBlankText("name");
        var retry = body.optionalBoolean("retry_enabled");
        var headers = requestHeaders(body);
        var eventTypes = eventTypes(body);
        // ElevenLabs' workspace-level events (voice library notices, speech to text, ...) are not produced here;
        // subscribing to one is refused rather than silently never sent.
        body.optionalTextList("events").ifPresent(events -> {
            for (int i = 0; i < events.size(); i++) {
                body.violateAt(
                        List.of("events", i),
                        "Value error, batchcall does not send the workspace event '" + events.get(i)
                                + "'; use event_types for batchcall events",
                        "value_error");
            }
        });
        var url = body.optionalText("webhook_url");
        url.ifPresent(u -> urls.refusal(u)
                .ifPresent(reason -> body.violate("webhook_url", "Value error, " + reason, "value_error")));
        body.throwIfInvalid();
        return new WebhookStore.WebhookUpdate(name, disabled.orElse(false), retry, headers, eventTypes, url);
    }

    static Optional<Map<String, String>> requestHeaders(JsonBody body) {
        var headers = body.optionalTextMap("request_headers");
        headers.ifPresent(map -> map.forEach((name, value) -> {
            if (!HEADER_NAME.matcher(name).matches()) {
                body.violateAt(
                        List.of("request_headers", name), "Value error, not a valid HTTP header name", "value_error");
            } else if (RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))
                    || name.toLowerCase(Locale.ROOT).startsWith("batchcall-")) {
                body.violateAt(
                        List.of("request_headers", name),
                        "Value error, batchcall sets this header itself",
                        "value_error");
            } else if (value.chars().anyMatch(c -> c == '\r' || c == '\n' || c == 0)) {
                body.violateAt(
                        List.of("request_headers", name), "Value error, a header value is one line", "value_error");
            }
        }));
        return headers;
    }

    static Optional<List<String>> eventTypes(JsonBody body) {
        var types = body.optionalTextList("event_types");
        types.ifPresent(list -> {
            for (int i = 0; i < list.size(); i++) {
                if (!EVENT_TYPES.contains(list.get(i)) && !WILDCARDS.contains(list.get(i))) {
                    body.violateAt(
                            List.of("event_types", i),
                            "Value error, not an event type batchcall sends (or" + " one of "
                                    + String.join(", ", WILDCARDS) + ")",
                            "value_error");
                }
            }
        });
        return types.map(list -> list.stream().distinct().toList());
    }

    /** The replay body: {@code {since_unix, until_unix?, event_types?, batch_call_id?, only?: failed|all}}. */
    record Replay(
            long sinceUnix,
            Optional<Long> untilUnix,
            Optional<List<String>> eventTypes,
            Optional<String> batchId,
            boolean onlyFailed) {}

    static Replay replay(JsonBody body) {
        var since = body.optionalLong("since_unix");
        if (since.isEmpty() && body.raw("since_unix").isEmpty()) {
            body.violate("since_unix", "Field required", "missing");
        }
        var until = body.optionalLong("until_unix");
        // Past PostgreSQL's range the replay's statement would fail (a 500) instead of finding nothing.
        body.atLeast("since_unix", since, UnixTime.EARLIEST);
        body.atMost("since_unix", since, UnixTime.LATEST);
        body.atLeast("until_unix", until, UnixTime.EARLIEST);
        body.atMost("until_unix", until, UnixTime.LATEST);
        if (since.isPresent() && until.isPresent() && until.get() < since.get()) {
            body.violate("until_unix", "Value error, until_unix is before since_unix", "value_error");
        }
        var types = eventTypes(body);
        var batch = body.optionalText("batch_call_id");
        var only = body.optionalEnum("only", List.of("failed", "all")).orElse("all");
        body.throwIfInvalid();
        return new Replay(since.orElse(0L), until, types, batch, only.equals("failed"));
    }

    static int pageSize(Context ctx) {
        int size = QueryParameters.integer(ctx, "page_size").orElse(DEFAULT_PAGE_SIZE);
        if (size < 1) {
            throw ValidationException.of(
                    List.of("query", "page_size"), "Input should be greater than or equal to 1", "greater_than_equal");
        }
        if (size > MAX_PAGE_SIZE) {
            throw ValidationException.of(
                    List.of("query", "page_size"),
                    "Input should be less than or equal to " + MAX_PAGE_SIZE,
                    "less_than_equal");
        }
        return size;
    }

    /**
     * The pull feed's {@code cursor}: a previous page's {@code next_cursor}, or the start without one. The feed's
     * earlier {@code after_seq} is refused by name rather than ignored: ignored, a poller would read the feed from
     * its start on every poll.
     */
    static DeliveryLog.FeedPosition feedCursor(Context ctx) {
        if (QueryParameters.text(ctx, "after_seq").isPresent()) {
            throw ValidationException.of(
                    List.of("query", "after_seq"),
                    "after_seq was replaced by cursor: pass the previous page's next_cursor (none to start at the"
                            + " beginning)",
                    "extra_forbidden");
        }
        return QueryParameters.text(ctx, "cursor")
                .map(value -> {
                    var parts = value.strip().split("-", -1);
                    try {
                        if (parts.length == 2) {
                            long xid = Long.parseLong(parts[0]);
                            long seq = Long.parseLong(parts[1]);
                            if (xid >= 0 && seq >= 0) {
                                return new DeliveryLog.FeedPosition(xid, seq);
                            }
                        }
                    } catch (NumberFormatException ignored) {
                        // reported below
                    }
                    throw ValidationException.of(
                            List.of("query", "cursor"),
                            "Input should be a next_cursor this feed returned",
                            "value_error");
                })
                .orElse(DeliveryLog.FeedPosition.START);
    }

    /** The {@code next_cursor} that continues the feed after {@code position}. */
    static String feedCursor(DeliveryLog.FeedPosition position) {
        return position.writerXid() + "-" + position.seq();
    }

    /** A sequence-number query parameter (our delivery-log cursor). */
    static Optional<Long> sequence(Context ctx, String name) {
        return QueryParameters.text(ctx, name).map(value -> {
            try {
                long parsed = Long.parseLong(value.strip());
                if (parsed >= 0) {
                    return parsed;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw ValidationException.of(
                    List.of("query", name), "Input should be a valid integer, at least 0", "int_parsing");
        });
    }

    /** A type filter: an exact type or one of the wildcards. */
    static List<String> typeFilter(Context ctx) {
        var patterns = new ArrayList<String>();
        QueryParameters.text(ctx, "type").ifPresent(type -> {
            if (!EVENT_TYPES.contains(type) && !WILDCARDS.contains(type)) {
                throw ValidationException.of(
                        List.of("query", "type"),
                        "Value error, not an event type batchcall" + " sends (or one of " + String.join(", ", WILDCARDS)
                                + ")",
                        "value_error");
            }
            patterns.add(type);
        });
        return patterns;
    }
}
