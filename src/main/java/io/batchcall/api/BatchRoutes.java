package io.batchcall.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.batchcall.domain.BatchRules;
import io.batchcall.domain.BatchSummary;
import io.batchcall.domain.CallingWindow;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.NewBatch;
import io.batchcall.domain.Workspace;
import io.batchcall.store.AgentStore;
import io.batchcall.store.BatchStore;
import io.batchcall.store.BranchStore;
import io.batchcall.store.CallingWindowDefaults;
import io.batchcall.store.IdempotencyStore;
import io.batchcall.store.Idempotent;
import io.batchcall.store.PhoneNumberStore;
import io.batchcall.store.RecipientStore;
import io.batchcall.store.RetryPolicyDefaults;
import io.batchcall.store.SuppressionStore;
import io.batchcall.wire.CallingWindowJson;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/** The ElevenLabs-compatible batch calling endpoints under {@code /v1/convai/batch-calling}. */
public final class BatchRoutes implements RouteGroup {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(BatchRoutes.class);
    private static final String BASE = "/v1/convai/batch-calling";
    private static final int DEFAULT_PAGE_SIZE = 100;
    private static final int MAX_PAGE_SIZE = 100;

    private final BatchStore batches;
    private final RecipientStore recipients;
    private final AgentStore agents;
    private final BranchStore branches;
    private final PhoneNumberStore phoneNumbers;
    private final IdempotencyStore idempotency;
    private final CallingWindowDefaults windowDefaults;
    private final SuppressionStore suppressions;
    private final Clock clock;
    private final IdSource ids;
    private final RetryPolicyDefaults retryPolicies;
    private final StreamedSubmit streamedSubmits;

    public BatchRoutes(
            BatchStore batches,
            RecipientStore recipients,
            AgentStore agents,
            BranchStore branches,
            PhoneNumberStore phoneNumbers,
            IdempotencyStore idempotency,
            CallingWindowDefaults windowDefaults,
            SuppressionStore suppressions,
            Clock clock,
            IdSource ids,
            RetryPolicyDefaults retryPolicies,
            MeterRegistry meters) {
        this.batches = batches;
        this.retryPolicies = retryPolicies;
        this.recipients = recipients;
        this.agents = agents;
        this.branches = branches;
        this.phoneNumbers = phoneNumbers;
        this.idempotency = idempotency;
        this.windowDefaults = windowDefaults;
        this.suppressions = suppressions;
        this.clock = clock;
        this.ids = ids;
        this.streamedSubmits = new StreamedSubmit(batches, suppressions, meters);
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.post(BASE + "/submit", this::submit);
        routes.get(BASE + "/workspace", this::list);
        routes.get(BASE + "/{batch_id}", this::get);
        routes.delete(BASE + "/{batch_id}", this::delete);
        routes.post(BASE + "/{batch_id}/cancel", this::cancel);
        routes.post(BASE + "/{batch_id}/retry", this::retry);
        routes.get(
                BASE + "/{batch_id}/export",
                ctx -> BatchExport.write(ctx, batch(ctx), recipients, QueryParameters.integerAtLeast(ctx, "limit", 1)));
    }

    private void submit(Context ctx) {
        var workspace = Authentication.workspace(ctx);
        // The body first: the key's fingerprint is computed as the body is read, once, from the socket.
        var body = JsonBody.of(ctx);
        var claim = IdempotencyKeys.claim(ctx);
        var ownWindow = CallingWindowRequests.read(body, "calling_window");
        ownWindow
                .flatMap(CallingWindow::expiresAt)
                .filter(expiry -> !expiry.isAfter(clock.instant()))
                .ifPresent(expiry -> body.violateAt(
                        List.of("calling_window", "expires_at_unix"),
                        "Value error, the window expires in the past",
                        "value_error"));
        // Our extension, read first so that its mistakes are in the one 422 with the rest.
        var retryPolicy = body.optionalObject("retry_policy")
                .flatMap(policy -> RetryPolicyRequest.read(policy, clock.instant()))
                .map(io.batchcall.domain.RetryPolicy::toJson);
        var reading = Submission.begin(body, clock.instant(), ids);
        var reader = reading.recipients();
        boolean streamed = StreamedSubmit.worthIt(body, reader);
        var submission = reading.head().withRecipients(reader.next(streamed ? StreamedSubmit.RUN : reader.remaining()));
        if (!body.valid()) {
            reader.rest();
            body.throwIfInvalid();
        }
        NewBatch batch;
        try {
            batch = newBatch(workspace, submission, ownWindow, retryPolicy);
        } catch (RuntimeException e) {
            // The body's own problems come first, as FastAPI validates a body before its handler looks anything up:
            // an unknown agent, and also a look-up that failed (a streamed submit looks up before reading the rest).
            try {
                reader.rest();
                body.throwIfInvalid();
            } catch (RuntimeException answered) {
                // The body's 422 (or whatever reading the rest threw) goes out; the look-up's failure stays with it.
                answered.addSuppressed(e);
                throw answered;
            }
            throw e;
        }
        if (streamed) {
            var stored = streamedSubmits.store(workspace.id(), body, batch, reader, claim);
            respond(ctx, workspace, claim, stored.result().map(Optional::of), Optional.of(stored.suppressed()));
            return;
        }
        var suppressed =
                SubmitSuppressions.check(body, suppressions, workspace.id(), batch.agentId(), batch.recipients());
        respond(
                ctx,
                workspace,
                claim,
                batches.submit(workspace.id(), batch, claim).map(Optional::of),
                Optional.of(suppressed));
    }

    /** The batch a valid body asks for: its agent, branch and number looked up, its window and retry policy settled. */
    private NewBatch newBatch(
            Workspace workspace,
            Submission submission,
            Optional<CallingWindow> ownWindow,
            Optional<String> retryPolicy) {
        var agent = agents.find(workspace.id(), submission.agentId())
                .orElseThrow(() -> ApiException.notFound(
                        "agent_not_found", "No agent with id " + submission.agentId() + " in this workspace"));
        submission
                .branchId()
                .ifPresent(branchId -> branches.find(workspace.id(), agent.id(), branchId)
                        .orElseThrow(() -> ApiException.notFound(
                                "branch_not_found", "No branch with id " + branchId + " on agent " + agent.id())));
        var phoneNumberId = callerNumber(workspace, submission, agent.id());
        return new NewBatch(
                submission.name(),
                agent.id(),
                submission.branchId(),
                phoneNumberId,
                submission.environment(),
                submission.timezone(),
                submission.whatsappParamsJson(),
                submission.callConfig(),
                submission.targetConcurrencyLimit(),
                submission.scheduledAt(),
                submission.recipients(),
                withRetryPolicy(
                        windowRules(
                                workspace,
                                agent.id(),
                                ownWindow,
                                submission.callConfig().ringingTimeoutSecs()),
                        retryPolicy.or(() -> retryPolicies.effective(workspace.id(), agent.id()))));
    }

    /**
     * The batch's calling window: its own, else its agent's default, else the workspace's; stored with the min slot
     * settled (ringing timeout plus margin unless given) and the workspace's jurisdiction rules, which a batch
     * cannot change.
     */
    private static BatchRules withRetryPolicy(BatchRules rules, Optional<String> retryPolicy) {
        return new BatchRules(retryPolicy, rules.callingWindowJson(), rules.windowExpiresAt());
    }

    private BatchRules windowRules(
            Workspace workspace, String agentId, Optional<CallingWindow> own, int ringingTimeoutSecs) {
        var workspaceDefaults = windowDefaults.workspace(workspace.id());
        var window = own.or(() -> windowDefaults
                .agent(workspace.id(), agentId)
                .flatMap(w -> w)
                .or(workspaceDefaults::callingWindow)
                .map(CallingWindowJson::read));
        if (window.isEmpty()) {
            return BatchRules.NONE;
        }
        var rules = CallingWindow.JurisdictionRules.fromWire(workspaceDefaults.jurisdictionRules())
                .orElse(CallingWindow.JurisdictionRules.ENFORCE);
        var settled = CallingWindowJson.settle(window.get(), ringingTimeoutSecs, rules);
        return new BatchRules(
                Optional.empty(), Optional.of(settled), window.get().expiresAt());
    }

    /**
     * The number calls come from: the one named, else the agent's; a phone batch without one is a 422. A WhatsApp
     * batch (whatsapp_params) calls from a WhatsApp account instead: the one its whatsapp_phone_number_id names,
     * else the agent's. Neither kind ever calls from the other's.
     */
    private Optional<String> callerNumber(Workspace workspace, Submission submission, String agentId) {
        if (submission.whatsapp()) {
            return Optional.of(whatsAppAccount(workspace, submission, agentId));
        }
        if (submission.phoneNumberId().isPresent()) {
            var id = submission.phoneNumberId().get();
            return Optional.of(phoneNumbers
                    .find(workspace.id(), id)
                    .filter(PhoneNumberRoutes::isPhoneNumber)
                    .orElseThrow(() -> ApiException.notFound(
                            "phone_number_not_found", "No phone number with id " + id + " in this workspace"))
                    .id());
        }
        var assigned = phoneNumbers.assignedTo(workspace.id(), agentId, false);
        if (assigned.isEmpty()) {
            throw ValidationException.of(
                    List.of("body", "agent_phone_number_id"),
                    "Field required: agent " + agentId + " has no assigned phone number, so the batch must name"
                            + " one in agent_phone_number_id",
                    "missing");
        }
        return assigned.map(number -> number.id());
    }

    private String whatsAppAccount(Workspace workspace, Submission submission, String agentId) {
        var named = submission.whatsappPhoneNumberId();
        if (named.isPresent()) {
            return phoneNumbers
                    .find(workspace.id(), named.get())
                    .filter(number -> number.provider() == io.batchcall.domain.Provider.WHATSAPP)
                    // A 404 as for an unknown agent or number: a 422 in this object shape is not the list the SDKs
                    // parse a 422 as (the JS SDK 2.30 threw a ParseError instead of the server's answer).
                    .orElseThrow(() -> ApiException.notFound(
                            "whatsapp_account_not_found",
                            "No WhatsApp account with phone_number_id " + named.get() + " in this workspace"))
                    .id();
        }
        return phoneNumbers
                .assignedTo(workspace.id(), agentId, true)
                .orElseThrow(() -> ValidationException.of(
                        List.of("body", "whatsapp_params", "whatsapp_phone_number_id"),
                        "Field required: agent " + agentId + " has no assigned WhatsApp account, so the batch"
                                + " must name one in whatsapp_params.whatsapp_phone_number_id",
                        "missing"))
                .id();
    }

    private void list(Context ctx) {
        var workspace = Authentication.workspace(ctx);
        int limit = Math.min(QueryParameters.integerAtLeast(ctx, "limit", 1).orElse(DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE);
        var after = ListCursor.decode(QueryParameters.text(ctx, "last_doc"));
        var page = batches.list(workspace.id(), QueryParameters.text(ctx, "agent_id"), after, limit);
        var items = page.batches();
        String next = page.hasMore()
                ? ListCursor.encode(new BatchStore.Position(
                        items.getLast().batch().createdAt(),
                        items.getLast().batch().id()))
                : null;
        ctx.contentType("application/json").result(BatchJson.list(items, next, page.hasMore()));
    }

    private void get(Context ctx) throws java.io.IOException {
        var summary = batch(ctx);
        ctx.contentType("application/json");
        BatchJson.writeDetailed(summary, recipients, holdReason(summary.batch()), ctx.outputStream());
    }

    /** Why a running batch waits although it has recipients to dial: its agent's daily_limit (issue 15). */
    private Optional<String> holdReason(io.batchcall.domain.Batch batch) {
        if (batch.status().isFinal()) {
            return Optional.empty();
        }
        return agents.dailyUsage(batch.workspaceId(), batch.agentId())
                .filter(AgentStore.DailyUsage::reached)
                .map(usage -> "The agent's daily_limit is reached: " + usage.claimed() + " calls in the last 24 hours"
                        + " of " + usage.limit() + " allowed; the next call may start at "
                        + usage.nextCallAllowedAt().map(Object::toString).orElse("once a call leaves the window"));
    }

    private void cancel(Context ctx) {
        var workspace = Authentication.workspace(ctx);
        var claim = IdempotencyKeys.claim(ctx);
        var result = batches.cancel(workspace.id(), ctx.pathParam("batch_id"), claim);
        respond(ctx, workspace, claim, result);
        log.info("Batch cancelled workspaceId={} batchId={}", workspace.id(), ctx.pathParam("batch_id"));
    }

    private void retry(Context ctx) {
        var workspace = Authentication.workspace(ctx);
        var claim = IdempotencyKeys.claim(ctx);
        respond(ctx, workspace, claim, batches.retry(workspace.id(), ctx.pathParam("batch_id"), claim));
    }

    private void delete(Context ctx) {
        var workspace = Authentication.workspace(ctx);
        if (!batches.delete(workspace.id(), ctx.pathParam("batch_id"))) {
            throw batchNotFound(ctx.pathParam("batch_id"));
        }
        ctx.status(204);
        log.info("Batch deleted workspaceId={} batchId={}", workspace.id(), ctx.pathParam("batch_id"));
    }

    /** Answers a change made under an optional Idempotency-Key, storing the response for later replays. */
    private void respond(
            Context ctx,
            Workspace workspace,
            Optional<io.batchcall.store.IdempotencyClaim> claim,
            Idempotent<Optional<BatchSummary>> result) {
        respond(ctx, workspace, claim, result, Optional.empty());
    }

    /**
     * The same; {@code suppressedRecipients} (submit only) adds our {@code suppressed_recipients} count to
     * ElevenLabs' response.
     */
    private void respond(
            Context ctx,
            Workspace workspace,
            Optional<io.batchcall.store.IdempotencyClaim> claim,
            Idempotent<Optional<BatchSummary>> result,
            Optional<Integer> suppressedRecipients) {
        switch (result) {
            case Idempotent.Done<Optional<BatchSummary>> done -> {
                var summary = done.value().orElseThrow(() -> batchNotFound(ctx.pathParam("batch_id")));
                var body = suppressedRecipients
                        .map(count -> {
                            com.fasterxml.jackson.databind.node.ObjectNode shown =
                                    Json.MAPPER.valueToTree(BatchJson.batch(summary));
                            shown.put("suppressed_recipients", count);
                            return json(shown);
                        })
                        .orElseGet(() -> json(BatchJson.batch(summary)));
                claim.ifPresent(c -> idempotency.recordResponse(workspace.id(), c.key(), 200, body));
                ctx.status(200).contentType("application/json").result(body);
            }
            case Idempotent.Replay<Optional<BatchSummary>> replay -> {
                ctx.header("Idempotent-Replayed", "true");
                if (replay.status().isPresent() && replay.body().isPresent()) {
                    ctx.status(replay.status().get())
                            .contentType("application/json")
                            .result(replay.body().get());
                } else {
                    // The first request committed but did not live to store its response: show the batch now.
                    var summary = batches.find(workspace.id(), replay.resourceId())
                            .orElseThrow(() -> batchNotFound(replay.resourceId()));
                    ctx.status(200).contentType("application/json").result(json(BatchJson.batch(summary)));
                }
            }
            case Idempotent.KeyReused<Optional<BatchSummary>> reused ->
                throw ApiException.conflict(
                        "idempotency_key_reused",
                        "This Idempotency-Key was already used with a different request in the last 24 hours");
        }
    }

    private BatchSummary batch(Context ctx) {
        var workspace = Authentication.workspace(ctx);
        var batchId = ctx.pathParam("batch_id");
        return batches.find(workspace.id(), batchId).orElseThrow(() -> batchNotFound(batchId));
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
