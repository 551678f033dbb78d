package io.batchcall.api;

import io.batchcall.api.WebhookResponses.AttemptResponse;
import io.batchcall.api.WebhookResponses.CreatedResponse;
import io.batchcall.api.WebhookResponses.DeliveriesResponse;
import io.batchcall.api.WebhookResponses.DeliveryDetailResponse;
import io.batchcall.api.WebhookResponses.FeedEvent;
import io.batchcall.api.WebhookResponses.FeedResponse;
import io.batchcall.api.WebhookResponses.ListResponse;
import io.batchcall.api.WebhookResponses.LoggedAttempt;
import io.batchcall.api.WebhookResponses.ReplayResponse;
import io.batchcall.api.WebhookResponses.RotatedResponse;
import io.batchcall.api.WebhookResponses.StatusResponse;
import io.batchcall.domain.DeliveryAttempt;
import io.batchcall.domain.WebhookEndpoint;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.DeliveryLog;
import io.batchcall.store.DeliveryStore;
import io.batchcall.store.WebhookStore;
import io.batchcall.webhooks.WebhookSender;
import io.batchcall.webhooks.WebhookUrls;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * ElevenLabs' workspace webhooks ({@code GET/POST /v1/workspace/webhooks}, {@code PATCH/DELETE .../{id}}) and our
 * extensions: a synchronous test send, the delivery log with every attempt, retrying one delivery, replaying a
 * time range, rotating the secret, and the pull feed of events.
 */
public final class WebhookRoutes implements RouteGroup {
    static final String PATH = "/v1/workspace/webhooks";
    static final String FEED = "/v1/workspace/webhook-events";

    private final WebhookStore webhooks;
    private final DeliveryStore deliveries;
    private final DeliveryLog log;
    private final WebhookSender sender;
    private final WebhookUrls urls;
    private final Duration rotationGrace;
    private final Clock clock;

    public WebhookRoutes(
            WebhookStore webhooks,
            DeliveryStore deliveries,
            DeliveryLog log,
            WebhookSender sender,
            WebhookUrls urls,
            Duration rotationGrace,
            Clock clock) {
        this.webhooks = webhooks;
        this.deliveries = deliveries;
        this.log = log;
        this.sender = sender;
        this.urls = urls;
        this.rotationGrace = rotationGrace;
        this.clock = clock;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get(PATH, this::list);
        routes.post(PATH, this::create);
        routes.patch(PATH + "/{webhook_id}", this::update);
        routes.delete(PATH + "/{webhook_id}", this::delete);
        routes.post(PATH + "/{webhook_id}/test", this::test);
        routes.get(PATH + "/{webhook_id}/deliveries", this::deliveries);
        routes.get(PATH + "/{webhook_id}/deliveries/{event_id}", this::delivery);
        routes.post(PATH + "/{webhook_id}/deliveries/{event_id}/retry", this::retry);
        routes.post(PATH + "/{webhook_id}/replay", this::replay);
        routes.post(PATH + "/{webhook_id}/rotate-secret", this::rotate);
        routes.post(PATH + "/{webhook_id}/rotate-secret/complete", this::completeRotation);
        routes.get(FEED, this::feed);
    }

    private void list(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        boolean usages = QueryParameters.text(ctx, "include_usages")
                .map(Boolean::parseBoolean)
                .orElse(false);
        var postCall = usages ? webhooks.settings(workspace).postCallWebhookId() : Optional.<String>empty();
        ctx.json(new ListResponse(webhooks.list(workspace).stream()
                .map(w -> WebhookResponses.render(w, usages, postCall))
                .toList()));
    }

    private void create(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        var created = webhooks.create(workspace, WebhookRequests.create(JsonBody.of(ctx), urls));
        ctx.json(new CreatedResponse(created.id(), created.secret().value()));
    }

    private void update(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        var update = WebhookRequests.update(JsonBody.of(ctx), urls);
        webhooks.update(workspace, ctx.pathParam("webhook_id"), update).orElseThrow(WebhookRoutes::notFound);
        sender.wake();
        ctx.json(new StatusResponse("ok"));
    }

    private void delete(Context ctx) {
        if (!webhooks.delete(Authentication.workspace(ctx).id(), ctx.pathParam("webhook_id"))) {
            throw notFound();
        }
        ctx.json(new StatusResponse("ok"));
    }

    private void test(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        var due = deliveries.claimTest(workspace, ctx.pathParam("webhook_id")).orElseThrow(WebhookRoutes::notFound);
        var attempt = sender.deliver(due);
        var answered = attempt.result() instanceof DeliveryAttempt.Result.Answered a ? a : null;
        var noAnswer = attempt.result() instanceof DeliveryAttempt.Result.NoAnswer n ? n : null;
        ctx.json(new AttemptResponse(
                due.eventId(),
                attempt.number(),
                attempt.succeeded(),
                answered == null ? null : answered.status(),
                attempt.duration().toMillis(),
                noAnswer == null ? (attempt.succeeded() ? null : "http") : noAnswer.errorClass(),
                noAnswer == null ? null : noAnswer.error(),
                answered == null ? null : answered.excerpt()));
    }

    private void deliveries(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        var endpoint = find(workspace, ctx);
        int size = WebhookRequests.pageSize(ctx);
        var state = QueryParameters.text(ctx, "state");
        state.filter(s -> !List.of("pending", "in_flight", "held", "succeeded", "failed")
                        .contains(s))
                .ifPresent(s -> {
                    throw ValidationException.of(
                            List.of("query", "state"),
                            "Input should be 'pending', 'in_flight'," + " 'held', 'succeeded' or 'failed'",
                            "enum");
                });
        var filter = new DeliveryLog.Filter(
                state,
                QueryParameters.text(ctx, "event_type"),
                QueryParameters.text(ctx, "batch_call_id"),
                WebhookRequests.sequence(ctx, "cursor"));
        var rows = log.deliveries(workspace, endpoint.id(), filter, size + 1);
        boolean more = rows.size() > size;
        var page = more ? rows.subList(0, size) : rows;
        ctx.json(new DeliveriesResponse(
                page.stream().map(WebhookResponses::render).toList(),
                more ? Long.toString(page.getLast().eventSeq()) : null,
                more));
    }

    private void delivery(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        var endpoint = find(workspace, ctx);
        var detail = log.delivery(workspace, endpoint.id(), ctx.pathParam("event_id"))
                .orElseThrow(WebhookRoutes::deliveryNotFound);
        var attempts = detail.attempts().stream()
                .map(a -> new LoggedAttempt(
                        a.attempt(),
                        a.nodeId(),
                        a.startedAt().toEpochMilli(),
                        a.durationMs(),
                        a.statusCode().orElse(null),
                        a.errorClass().orElse(null),
                        a.error().orElse(null),
                        a.responseExcerpt().orElse(null),
                        a.signedAt().orElse(null)))
                .toList();
        ctx.json(new DeliveryDetailResponse(
                WebhookResponses.render(detail.delivery()), attempts, WebhookResponses.tree(detail.body())));
    }

    private void retry(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        var endpoint = find(workspace, ctx);
        var eventId = ctx.pathParam("event_id");
        switch (log.retry(workspace, endpoint.id(), eventId)) {
            case QUEUED -> {
                sender.wake();
                ctx.json(WebhookResponses.render(log.delivery(workspace, endpoint.id(), eventId)
                        .orElseThrow()
                        .delivery()));
            }
            case NOT_FOUND -> throw deliveryNotFound();
            case IN_FLIGHT ->
                throw ApiException.conflict(
                        "delivery_in_flight", "The delivery is being sent right now; look at its attempts in a moment");
        }
    }

    private void replay(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        var endpoint = find(workspace, ctx);
        var request = WebhookRequests.replay(JsonBody.of(ctx));
        var patterns = request.eventTypes().orElseGet(() -> {
            var subscribed = new ArrayList<>(endpoint.eventTypes());
            if (webhooks.settings(workspace)
                    .postCallWebhookId()
                    .filter(endpoint.id()::equals)
                    .isPresent()) {
                subscribed.addAll(WebhookRequests.POST_CALL_TYPES);
            }
            return subscribed;
        });
        var until = request.untilUnix()
                .map(Instant::ofEpochSecond)
                .orElse(clock.instant().plusSeconds(1));
        int queued = log.replay(
                workspace,
                endpoint.id(),
                Instant.ofEpochSecond(request.sinceUnix()),
                until,
                patterns,
                request.batchId(),
                request.onlyFailed());
        sender.wake();
        ctx.json(new ReplayResponse(queued));
    }

    private void rotate(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        var rotated = webhooks.rotateSecret(workspace, ctx.pathParam("webhook_id"), rotationGrace)
                .orElseThrow(WebhookRoutes::notFound);
        ctx.json(new RotatedResponse(
                rotated.id(),
                rotated.secret().value(),
                rotated.previousSecretUntil().orElseThrow().getEpochSecond()));
    }

    private void completeRotation(Context ctx) {
        if (!webhooks.completeRotation(Authentication.workspace(ctx).id(), ctx.pathParam("webhook_id"))) {
            throw notFound();
        }
        ctx.json(new StatusResponse("ok"));
    }

    private void feed(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        int size = WebhookRequests.pageSize(ctx);
        var after = WebhookRequests.feedCursor(ctx);
        var rows = log.events(
                workspace,
                after,
                WebhookRequests.typeFilter(ctx),
                QueryParameters.text(ctx, "batch_call_id"),
                size + 1);
        boolean more = rows.size() > size;
        var page = more ? rows.subList(0, size) : rows;
        ctx.json(new FeedResponse(
                page.stream()
                        .map(e -> new FeedEvent(
                                e.position().seq(),
                                e.id(),
                                e.type(),
                                e.occurredAt().getEpochSecond(),
                                e.batchId().orElse(null),
                                e.recipientId().orElse(null),
                                e.conversationId().orElse(null),
                                WebhookResponses.tree(e.body())))
                        .toList(),
                WebhookRequests.feedCursor(
                        page.isEmpty() ? after : page.getLast().position()),
                more));
    }

    private WebhookEndpoint find(WorkspaceId workspace, Context ctx) {
        return webhooks.find(workspace, ctx.pathParam("webhook_id")).orElseThrow(WebhookRoutes::notFound);
    }

    static ApiException notFound() {
        return ApiException.notFound("webhook_not_found", "No webhook with that id in this workspace");
    }

    private static ApiException deliveryNotFound() {
        return ApiException.notFound("delivery_not_found", "This webhook has no delivery of that event");
    }
}
