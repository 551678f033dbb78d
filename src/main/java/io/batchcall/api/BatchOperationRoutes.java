package io.batchcall.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.batchcall.domain.BatchEdit;
import io.batchcall.domain.BatchSummary;
import io.batchcall.domain.CallingWindow;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.RecipientsRefused;
import io.batchcall.domain.TelephonyCallConfig;
import io.batchcall.domain.Workspace;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.BatchOperations;
import io.batchcall.store.BatchStore;
import io.batchcall.store.CallingWindowDefaults;
import io.batchcall.store.IdempotencyClaim;
import io.batchcall.store.IdempotencyStore;
import io.batchcall.store.Idempotent;
import io.batchcall.wire.CallingWindowJson;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Our extensions for operating a batch while it runs (issue 14), on the batch-calling path family: pause, resume,
 * edit ({@code PATCH}), append recipients, cancel one recipient. Each honours {@code Idempotency-Key} as submit,
 * cancel and retry do.
 */
public final class BatchOperationRoutes implements RouteGroup {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(BatchOperationRoutes.class);
    private static final String BASE = "/v1/convai/batch-calling";
    /** What PATCH may change. */
    private static final Set<String> EDITABLE = Set.of(
            "name",
            "target_concurrency_limit",
            "scheduled_time_unix",
            "telephony_call_config",
            "calling_window",
            "retry_policy");
    /** What PATCH refuses with 409: a batch's calls are placed by one agent from one number, for good. */
    private static final Set<String> IMMUTABLE = Set.of("agent_id", "agent_phone_number_id", "phone_number_id");

    private final BatchOperations operations;
    private final BatchStore batches;
    private final IdempotencyStore idempotency;
    private final IdSource ids;
    private final CallingWindowDefaults windowDefaults;

    public BatchOperationRoutes(
            BatchOperations operations,
            BatchStore batches,
            IdempotencyStore idempotency,
            IdSource ids,
            CallingWindowDefaults windowDefaults) {
        this.windowDefaults = windowDefaults;
        this.operations = operations;
        this.batches = batches;
        this.idempotency = idempotency;
        this.ids = ids;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.post(BASE + "/{batch_id}/pause", this::pause);
        routes.post(BASE + "/{batch_id}/resume", this::resume);
        routes.patch(BASE + "/{batch_id}", this::edit);
        routes.post(BASE + "/{batch_id}/recipients", this::append);
        routes.post(BASE + "/{batch_id}/recipients/{recipient_id}/cancel", this::cancelRecipient);
    }

    private void pause(Context ctx) {
        var workspace = Authentication.workspace(ctx);
        var claim = IdempotencyKeys.claim(ctx);
        respondBatch(ctx, workspace, claim, operations.pause(workspace.id(), batchId(ctx), claim));
        log.info("Batch paused workspaceId={} batchId={}", workspace.id(), batchId(ctx));
    }

    private void resume(Context ctx) {
        var workspace = Authentication.workspace(ctx);
        var claim = IdempotencyKeys.claim(ctx);
        respondBatch(ctx, workspace, claim, operations.resume(workspace.id(), batchId(ctx), claim));
        log.info("Batch resumed workspaceId={} batchId={}", workspace.id(), batchId(ctx));
    }

    private void edit(Context ctx) {
        var workspace = Authentication.workspace(ctx);
        var body = JsonBody.of(ctx);
        var claim = IdempotencyKeys.claim(ctx);
        var edit = readEdit(body, workspace.id(), batchId(ctx));
        respondBatch(ctx, workspace, claim, operations.edit(workspace.id(), batchId(ctx), edit, claim));
    }

    /** Reads a PATCH body: unknown keys are a 422, fixed ones a 409 saying why, the rest checked as submit does. */
    private BatchEdit readEdit(JsonBody body, WorkspaceId workspace, String batchId) {
        var fields = new ArrayList<String>();
        body.node().fieldNames().forEachRemaining(fields::add);
        for (var field : fields) {
            if (IMMUTABLE.contains(field)) {
                throw new io.batchcall.domain.StateConflict(
                        "field_immutable",
                        "The batch's " + field
                                + " cannot change: its claimed and finished calls were placed with it, and a batch's calls"
                                + " all come from one agent and one number. Cancel the batch and submit a new one instead");
            }
            if (!EDITABLE.contains(field)) {
                body.violate(field, "Extra inputs are not permitted", "extra_forbidden");
            }
        }
        var name = body.has("name") ? Optional.of(body.requiredNonBlankText("name")) : Optional.<String>empty();
        Optional<Optional<Integer>> target = Optional.empty();
        if (body.has("target_concurrency_limit")) {
            var value = body.optionalInt("target_concurrency_limit");
            body.atLeast("target_concurrency_limit", value, 1);
            target = Optional.of(value);
        }
        var scheduled = body.optionalUnixTime("scheduled_time_unix");
        var ringing = body.optionalObject("telephony_call_config").flatMap(config -> {
            var configFields = new ArrayList<String>();
            config.node().fieldNames().forEachRemaining(configFields::add);
            configFields.stream()
                    .filter(f -> !f.equals("ringing_timeout_secs"))
                    .forEach(f -> config.violate(
                            f,
                            "Extra inputs are not permitted: only ringing_timeout_secs can change",
                            "extra_forbidden"));
            var value = config.optionalInt("ringing_timeout_secs");
            config.atLeast("ringing_timeout_secs", value, TelephonyCallConfig.MIN_RINGING_TIMEOUT_SECS);
            config.atMost("ringing_timeout_secs", value, TelephonyCallConfig.MAX_RINGING_TIMEOUT_SECS);
            return value;
        });
        var window = body.has("calling_window")
                ? Optional.of(CallingWindowRequests.read(body, "calling_window"))
                : Optional.<Optional<CallingWindow>>empty();
        // Our extension: the policy applies to the outcomes of attempts that end from now on; null removes it.
        Optional<Optional<String>> retryPolicy = Optional.empty();
        if (body.has("retry_policy")) {
            retryPolicy = Optional.of(body.optionalObject("retry_policy")
                    .flatMap(policy -> RetryPolicyRequest.read(policy, Optional.empty()))
                    .map(io.batchcall.domain.RetryPolicy::toJson));
        }
        body.throwIfInvalid();
        return new BatchEdit(
                name,
                target,
                scheduled,
                ringing,
                window.map(w -> w.map(own -> settled(own, workspace, batchId, ringing))),
                retryPolicy);
    }

    /**
     * A PATCHed window as submit stores it: the min slot from the batch's ringing timeout (the new one when this
     * PATCH changes it), the workspace's jurisdiction rules.
     */
    private BatchEdit.WindowChange settled(
            CallingWindow window, WorkspaceId workspace, String batchId, Optional<Integer> ringing) {
        var ringingTimeout = ringing.or(() -> batches.find(workspace, batchId)
                        .map(summary -> summary.batch().callConfig().ringingTimeoutSecs()))
                .orElse(TelephonyCallConfig.DEFAULT_RINGING_TIMEOUT_SECS);
        var rules = CallingWindow.JurisdictionRules.fromWire(
                        windowDefaults.workspace(workspace).jurisdictionRules())
                .orElse(CallingWindow.JurisdictionRules.ENFORCE);
        return new BatchEdit.WindowChange(CallingWindowJson.settle(window, ringingTimeout, rules), window.expiresAt());
    }

    private void append(Context ctx) {
        var workspace = Authentication.workspace(ctx);
        var body = JsonBody.of(ctx);
        var claim = IdempotencyKeys.claim(ctx);
        var batch = batches.find(workspace.id(), batchId(ctx)).orElseThrow(() -> batchNotFound(batchId(ctx)));
        var recipients =
                Submission.recipients(body, batch.batch().whatsappParamsJson().isPresent(), ids);
        body.throwIfInvalid();
        try {
            respondBatch(
                    ctx,
                    workspace,
                    claim,
                    operations.appendRecipients(workspace.id(), batchId(ctx), recipients, claim));
        } catch (RecipientsRefused e) {
            throw new ValidationException(e.refusals().stream()
                    .map(r -> new Violation(
                            r.index() < 0
                                    ? List.<Object>of("body", "recipients")
                                    : List.<Object>of("body", "recipients", r.index(), r.field()),
                            r.message(),
                            r.type()))
                    .toList());
        }
        log.info(
                "Recipients appended workspaceId={} batchId={} count={}",
                workspace.id(),
                batchId(ctx),
                recipients.size());
    }

    private void cancelRecipient(Context ctx) {
        var workspace = Authentication.workspace(ctx);
        var claim = IdempotencyKeys.claim(ctx);
        var recipientId = ctx.pathParam("recipient_id");
        var result = operations.cancelRecipient(workspace.id(), batchId(ctx), recipientId, claim);
        respond(
                ctx,
                workspace,
                claim,
                result,
                BatchJson::recipient,
                () -> operations.recipient(workspace.id(), batchId(ctx), recipientId),
                () -> batches.find(workspace.id(), batchId(ctx)).isEmpty()
                        ? batchNotFound(batchId(ctx))
                        : ApiException.notFound(
                                "recipient_not_found",
                                "No recipient with id " + recipientId + " in batch " + batchId(ctx)));
        log.info(
                "Recipient cancelled workspaceId={} batchId={} recipientId={}",
                workspace.id(),
                batchId(ctx),
                recipientId);
    }

    private void respondBatch(
            Context ctx,
            Workspace workspace,
            Optional<IdempotencyClaim> claim,
            Idempotent<Optional<BatchSummary>> result) {
        respond(
                ctx,
                workspace,
                claim,
                result,
                BatchJson::batch,
                () -> batches.find(workspace.id(), batchId(ctx)),
                () -> batchNotFound(batchId(ctx)));
    }

    /**
     * Answers a change made under an optional Idempotency-Key, storing the response for later replays; a replay
     * whose first request did not live to store its response shows the object as it is now.
     */
    private <T> void respond(
            Context ctx,
            Workspace workspace,
            Optional<IdempotencyClaim> claim,
            Idempotent<Optional<T>> result,
            Function<T, Object> wire,
            Supplier<Optional<T>> now,
            Supplier<ApiException> notFound) {
        switch (result) {
            case Idempotent.Done<Optional<T>> done -> {
                var body = json(wire.apply(done.value().orElseThrow(notFound)));
                claim.ifPresent(c -> idempotency.recordResponse(workspace.id(), c.key(), 200, body));
                ctx.status(200).contentType("application/json").result(body);
            }
            case Idempotent.Replay<Optional<T>> replay -> {
                ctx.header("Idempotent-Replayed", "true");
                if (replay.status().isPresent() && replay.body().isPresent()) {
                    ctx.status(replay.status().get())
                            .contentType("application/json")
                            .result(replay.body().get());
                } else {
                    ctx.status(200)
                            .contentType("application/json")
                            .result(json(wire.apply(now.get().orElseThrow(notFound))));
                }
            }
            case Idempotent.KeyReused<Optional<T>> reused ->
                throw ApiException.conflict(
                        "idempotency_key_reused",
                        "This Idempotency-Key was already used with a different request in the last 24 hours");
        }
    }

    private static String batchId(Context ctx) {
        return ctx.pathParam("batch_id");
    }

    private static ApiException batchNotFound(String batchId) {
        return ApiException.notFound("batch_not_found", "No batch call with id " + batchId + " in this workspace");
    }

    private static String json(Object value) {
        try {
            return Json.MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a response record always serialises", e);
        }
    }
}
