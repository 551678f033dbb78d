package io.batchcall.api;

import io.batchcall.store.AttemptHistory;
import io.batchcall.store.BatchStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Our extension {@code GET /v1/convai/batch-calling/{batch_id}/attempts}: every dial of every recipient with its
 * timestamps (milliseconds), outcome, provider status and SIP code, the record against which limits and pacing
 * can be checked. {@code recipient_id} narrows it to one recipient's attempts (the dashboard's recipient view).
 */
public final class AttemptRoutes implements RouteGroup {
    private static final int DEFAULT_PAGE_SIZE = 100;
    private static final int MAX_PAGE_SIZE = 1_000;

    private final BatchStore batches;
    private final AttemptHistory history;

    public AttemptRoutes(BatchStore batches, AttemptHistory history) {
        this.batches = batches;
        this.history = history;
    }

    record AttemptResponse(
            String id,
            String recipientId,
            int attemptNumber,
            String provider,
            String providerCallId,
            String conversationId,
            String nodeId,
            String phase,
            long claimedAtUnixMs,
            Long dialedAtUnixMs,
            Long answeredAtUnixMs,
            Long endedAtUnixMs,
            String outcome,
            String providerStatus,
            Integer sipCode,
            String failureReason,
            String answeredBy,
            String localTime,
            String timezone,
            String policy) {
        static AttemptResponse of(AttemptHistory.AttemptView a) {
            return new AttemptResponse(
                    a.id(),
                    a.recipientId(),
                    a.attemptNumber(),
                    a.provider(),
                    a.providerCallId().orElse(null),
                    a.conversationId(),
                    a.nodeId(),
                    a.phase(),
                    a.claimedAt().toEpochMilli(),
                    millis(a.dialedAt()),
                    millis(a.answeredAt()),
                    millis(a.endedAt()),
                    a.outcome().orElse(null),
                    a.providerStatus().orElse(null),
                    a.sipCode().orElse(null),
                    a.failureReason().orElse(null),
                    a.answeredBy().orElse(null),
                    a.audit().localTime().orElse(null),
                    a.audit().timezone().orElse(null),
                    a.audit().policy().orElse(null));
        }

        private static Long millis(Optional<Instant> instant) {
            return instant.map(Instant::toEpochMilli).orElse(null);
        }
    }

    record AttemptPage(List<AttemptResponse> attempts, String nextCursor, boolean hasMore) {}

    @Override
    public void register(RoutesConfig routes) {
        routes.get("/v1/convai/batch-calling/{batch_id}/attempts", this::list);
    }

    private void list(Context ctx) {
        var workspace = Authentication.workspace(ctx);
        var batchId = ctx.pathParam("batch_id");
        if (batches.find(workspace.id(), batchId).isEmpty()) {
            throw ApiException.notFound("batch_not_found", "No batch call with id " + batchId + " in this workspace");
        }
        int limit = Math.min(QueryParameters.integerAtLeast(ctx, "limit", 1).orElse(DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE);
        var page = history.page(
                workspace.id(),
                batchId,
                QueryParameters.text(ctx, "recipient_id"),
                decode(QueryParameters.text(ctx, "cursor")),
                limit);
        String next = null;
        if (page.hasMore()) {
            var last = page.attempts().getLast();
            next = encode(new AttemptHistory.Position(last.claimedAt(), last.id()));
        }
        ctx.json(new AttemptPage(
                page.attempts().stream().map(AttemptResponse::of).toList(), next, page.hasMore()));
    }

    private static String encode(AttemptHistory.Position position) {
        var text = "a1:" + ChronoUnit.MICROS.between(Instant.EPOCH, position.claimedAt()) + ":" + position.id();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static Optional<AttemptHistory.Position> decode(Optional<String> cursor) {
        return cursor.map(text -> {
            try {
                var parts = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8).split(":", 3);
                if (parts.length == 3 && parts[0].equals("a1")) {
                    return new AttemptHistory.Position(
                            Instant.EPOCH.plus(Long.parseLong(parts[1]), ChronoUnit.MICROS), parts[2]);
                }
            } catch (IllegalArgumentException e) {
                // reported below
            }
            throw ValidationException.of(
                    List.of("query", "cursor"),
                    "Value error, cursor must be a next_cursor value returned by this API",
                    "value_error");
        });
    }
}
