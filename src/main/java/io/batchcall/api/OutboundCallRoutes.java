package io.batchcall.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.batchcall.dispatch.CallRegistry;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.NewBatch;
import io.batchcall.domain.NewRecipient;
import io.batchcall.domain.PhoneNumber;
import io.batchcall.domain.Provider;
import io.batchcall.domain.StateConflict;
import io.batchcall.domain.TelephonyCallConfig;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.AgentStore;
import io.batchcall.store.BatchStore;
import io.batchcall.store.BranchStore;
import io.batchcall.store.PhoneNumberStore;
import io.batchcall.store.SingleCallStore;
import io.batchcall.store.SingleCallStore.Progress;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ElevenLabs' single outbound calls: {@code POST /v1/convai/twilio/outbound-call}, {@code .../sip-trunk/...} and
 * {@code .../exotel/...}. A call is stored as a hidden one-recipient batch (see {@link SingleCallStore}) and the
 * request waits, bounded, until the dispatcher of whichever node claims it has the provider's answer: the call's
 * id when the provider took it, the reason when it did not. Full limits are a 429 at once, never a silent queue.
 */
public final class OutboundCallRoutes implements RouteGroup {
    private static final Logger log = LoggerFactory.getLogger(OutboundCallRoutes.class);
    /**
     * How often a waiting request reads its call's progress again without being told: only another node's claim
     * goes unheard here (this node's dispatcher tells the registry at once).
     */
    private static final Duration RECHECK = Duration.ofSeconds(1);

    /** One route: its path, the provider its numbers must have, and the name of the call id in its answer. */
    private record Route(String path, Provider provider, String callIdField) {}

    private static final java.util.List<Route> ROUTES = java.util.List.of(
            new Route("/v1/convai/twilio/outbound-call", Provider.TWILIO, "callSid"),
            new Route("/v1/convai/sip-trunk/outbound-call", Provider.SIP_TRUNK, "sip_call_id"),
            new Route("/v1/convai/exotel/outbound-call", Provider.EXOTEL, "callSid"));

    private final SingleCallStore singleCalls;
    private final BatchStore batches;
    private final AgentStore agents;
    private final BranchStore branches;
    private final PhoneNumberStore phoneNumbers;
    private final CallRegistry registry;
    private final Clock clock;
    private final IdSource ids;
    /** Beyond the ringing timeout, how long a request waits for its dial: the number's pace, a busy provider. */
    private final Duration dialMargin;

    public OutboundCallRoutes(
            SingleCallStore singleCalls,
            BatchStore batches,
            AgentStore agents,
            BranchStore branches,
            PhoneNumberStore phoneNumbers,
            CallRegistry registry,
            Clock clock,
            IdSource ids,
            Duration dialMargin) {
        this.singleCalls = singleCalls;
        this.batches = batches;
        this.agents = agents;
        this.branches = branches;
        this.phoneNumbers = phoneNumbers;
        this.registry = registry;
        this.clock = clock;
        this.ids = ids;
        this.dialMargin = dialMargin;
    }

    @Override
    public void register(RoutesConfig routes) {
        for (var route : ROUTES) {
            routes.post(route.path(), ctx -> call(ctx, route));
        }
        routes.post(WHATSAPP_PATH, this::whatsappCall);
    }

    private static final String WHATSAPP_PATH = "/v1/convai/whatsapp/outbound-call";

    private static final java.util.regex.Pattern WHATSAPP_USER = java.util.regex.Pattern.compile("\\d{5,20}");

    /**
     * {@code POST /v1/convai/whatsapp/outbound-call}: a one-recipient WhatsApp batch, as a batch with
     * {@code whatsapp_params} would store it: the account is the number, the user's WhatsApp id the callee, the
     * permission template in the batch's whatsapp_params. A call that waits for the user's permission past the
     * request's bound is not cancelled (asking takes a person's answer, maybe days): it is answered as queued.
     */
    private void whatsappCall(Context ctx) {
        var workspace = Authentication.workspace(ctx);
        var body = JsonBody.of(ctx);
        var accountId = body.requiredText("whatsapp_phone_number_id");
        var user = body.requiredText("whatsapp_user_id").strip();
        // Digits, country code first; a leading + is forgiven, as people write numbers so.
        var digits = user.startsWith("+") ? user.substring(1) : user;
        if (body.raw("whatsapp_user_id").filter(n -> n.isTextual()).isPresent()
                && !WHATSAPP_USER.matcher(digits).matches()) {
            body.violate(
                    "whatsapp_user_id",
                    "Value error, a WhatsApp user id is digits, country code first, without +",
                    "value_error");
        }
        var template = body.requiredNonBlankText("whatsapp_call_permission_request_template_name");
        var language = body.requiredNonBlankText("whatsapp_call_permission_request_template_language_code");
        var agentId = body.requiredText("agent_id");
        var clientData = body.optionalObject("conversation_initiation_client_data");
        clientData.ifPresent(data -> {
            data.optionalObject("dynamic_variables");
            data.optionalText("branch_id");
            data.optionalText("environment");
        });
        body.throwIfInvalid();
        var agent = agents.find(workspace.id(), agentId)
                .orElseThrow(() ->
                        ApiException.notFound("agent_not_found", "No agent with id " + agentId + " in this workspace"));
        var account = phoneNumbers
                .find(workspace.id(), accountId)
                .filter(number -> number.provider() == Provider.WHATSAPP)
                .orElseThrow(() -> ApiException.notFound(
                        "whatsapp_account_not_found",
                        "No WhatsApp account with phone_number_id " + accountId + " in this workspace"));
        var branchId = clientData.flatMap(data -> data.optionalText("branch_id"));
        branchId.ifPresent(branch -> branches.find(workspace.id(), agent.id(), branch)
                .orElseThrow(() -> ApiException.notFound(
                        "branch_not_found", "No branch with id " + branch + " on agent " + agent.id())));
        var params = Json.MAPPER.createObjectNode();
        params.put("whatsapp_phone_number_id", account.id());
        params.put("whatsapp_call_permission_request_template_name", template);
        params.put("whatsapp_call_permission_request_template_language_code", language);
        var recipient = new NewRecipient(
                ids.next(NewRecipient.ID_PREFIX),
                Optional.empty(),
                Optional.of(digits),
                clientData.map(data -> json(data.node())));
        var callConfig = TelephonyCallConfig.defaults();
        var call = new NewBatch(
                "Single WhatsApp call",
                agent.id(),
                branchId,
                Optional.of(account.id()),
                clientData.flatMap(data -> data.optionalText("environment")),
                Optional.empty(),
                Optional.of(params.toString()),
                callConfig,
                Optional.of(1),
                clock.instant(),
                java.util.List.of(recipient));
        // A WhatsApp call may wait days for the user's permission: it is left queued, never given up here.
        var progress = placeAndAwait(workspace.id(), call, callConfig, false, "WhatsApp single call");
        var answer = new LinkedHashMap<String, Object>();
        switch (progress) {
            case Progress.Placed placed -> {
                answer.put("success", true);
                answer.put("message", "Success");
                answer.put("conversation_id", placed.conversationId());
            }
            case Progress.NotPlaced notPlaced -> {
                answer.put("success", false);
                answer.put("message", notPlaced.reason());
                answer.put("conversation_id", notPlaced.conversationId().orElse(null));
            }
            case Progress.Waiting waiting -> {
                answer.put("success", true);
                answer.put(
                        "message",
                        "The call is queued: it is placed once the user grants call permission (the"
                                + " permission request template is sent when none was granted)");
                answer.put("conversation_id", null);
            }
        }
        ctx.status(200).contentType("application/json").result(json(answer));
    }

    private void call(Context ctx, Route route) {
        var workspace = Authentication.workspace(ctx);
        var body = JsonBody.of(ctx);
        var agentId = body.requiredText("agent_id");
        var numberId = body.requiredText("agent_phone_number_id");
        var to = body.requiredText("to_number");
        if (to != null && body.has("to_number") && E164.normalise(to).isEmpty()) {
            body.violate("to_number", E164.invalidMessage(), "value_error");
        }
        var clientData = body.optionalObject("conversation_initiation_client_data");
        clientData.ifPresent(data -> {
            data.optionalObject("dynamic_variables");
            data.optionalText("branch_id");
            data.optionalText("environment");
        });
        var config = Submission.callConfig(body);
        var recording = route.provider() == Provider.TWILIO
                ? body.optionalBoolean("call_recording_enabled")
                : Optional.<Boolean>empty();
        body.throwIfInvalid();
        var callConfig = recording
                .map(record -> new TelephonyCallConfig(config.ringingTimeoutSecs(), record, config.machineDetection()))
                .orElse(config);

        var agent = agents.find(workspace.id(), agentId)
                .orElseThrow(() ->
                        ApiException.notFound("agent_not_found", "No agent with id " + agentId + " in this workspace"));
        var number = phoneNumbers
                .find(workspace.id(), numberId)
                .orElseThrow(() -> ApiException.notFound(
                        "phone_number_not_found", "No phone number with id " + numberId + " in this workspace"));
        requireProvider(number, route);
        var branchId = clientData.flatMap(data -> data.optionalText("branch_id"));
        branchId.ifPresent(branch -> branches.find(workspace.id(), agent.id(), branch)
                .orElseThrow(() -> ApiException.notFound(
                        "branch_not_found", "No branch with id " + branch + " on agent " + agent.id())));
        var recipient = new NewRecipient(
                ids.next(NewRecipient.ID_PREFIX),
                E164.normalise(to),
                Optional.empty(),
                clientData.map(data -> json(data.node())));
        var call = new NewBatch(
                "Single outbound call",
                agent.id(),
                branchId,
                Optional.of(number.id()),
                clientData.flatMap(data -> data.optionalText("environment")),
                Optional.empty(),
                Optional.empty(),
                callConfig,
                Optional.of(1),
                clock.instant(),
                java.util.List.of(recipient));

        var progress = placeAndAwait(workspace.id(), call, callConfig, true, "Single call");
        ctx.status(200).contentType("application/json").result(json(answer(route, progress)));
    }

    /**
     * Queues the call and waits, within its ringing timeout and a margin, until it is placed or not; a call still
     * waiting then is given up when {@code giveUp} (else left queued). All limits full is a 429.
     */
    private Progress placeAndAwait(
            WorkspaceId workspace, NewBatch call, TelephonyCallConfig callConfig, boolean giveUp, String what) {
        return switch (singleCalls.place(workspace, call)) {
            case SingleCallStore.Placement.LimitsFull full ->
                throw new TooManyRequests(
                        "concurrency_limit_reached",
                        full.message(),
                        Duration.ofSeconds(callConfig.ringingTimeoutSecs()));
            case SingleCallStore.Placement.Queued queued -> {
                var bound = Duration.ofSeconds(callConfig.ringingTimeoutSecs()).plus(dialMargin);
                var progress = await(workspace, queued.batchId(), bound);
                if (giveUp && progress instanceof Progress.Waiting) {
                    progress = giveUp(workspace, queued.batchId(), bound);
                }
                log.info(
                        "{} answered workspaceId={} batchId={} placed={}",
                        what,
                        workspace,
                        queued.batchId(),
                        progress instanceof Progress.Placed);
                yield progress;
            }
        };
    }

    /** A simulator number stands in for any provider (tests, demos); any other must be the route's provider. */
    private static void requireProvider(PhoneNumber number, Route route) {
        if (number.provider() != route.provider() && number.provider() != Provider.SIMULATOR) {
            throw new ApiException(
                    400,
                    "phone_number_provider_mismatch",
                    "Phone number " + number.id() + " is a "
                            + number.provider().wireName() + " number; " + route.path() + " places calls from "
                            + route.provider().wireName() + " numbers only");
        }
    }

    /** Waits until the call is placed or not, or the bound passes; woken by this node's dispatcher. */
    private Progress await(WorkspaceId workspace, String batchId, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (true) {
            var change = registry.nextChange(workspace.value(), batchId);
            var progress = singleCalls.progress(workspace, batchId);
            long left = deadline - System.nanoTime();
            if (!(progress instanceof Progress.Waiting) || left <= 0) {
                registry.stopWatching(workspace.value(), batchId);
                return progress;
            }
            try {
                change.get(Math.min(left, RECHECK.toNanos()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                // Not told: another node may have claimed it. Read again.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                registry.stopWatching(workspace.value(), batchId);
                return progress;
            } catch (ExecutionException e) {
                throw new IllegalStateException("a change signal never fails", e);
            }
        }
    }

    /**
     * The call was not placed within the bound (the number's pace or the provider held it): it is cancelled, so
     * that it is never dialed after its request was answered. A call that finished meanwhile is answered as it is.
     */
    private Progress giveUp(WorkspaceId workspace, String batchId, Duration bound) {
        try {
            batches.cancel(workspace, batchId, Optional.empty());
        } catch (StateConflict finished) {
            return singleCalls.progress(workspace, batchId);
        }
        return new Progress.NotPlaced(
                "The call could not be placed within " + bound.toSeconds() + " seconds (the"
                        + " number's pace or the provider held it); it was cancelled and will not be dialed",
                Optional.empty());
    }

    private static LinkedHashMap<String, Object> answer(Route route, Progress progress) {
        var answer = new LinkedHashMap<String, Object>();
        switch (progress) {
            case Progress.Placed placed -> {
                answer.put("success", true);
                answer.put("message", "Success");
                answer.put("conversation_id", placed.conversationId());
                answer.put(route.callIdField(), placed.providerCallId());
            }
            case Progress.NotPlaced notPlaced -> {
                answer.put("success", false);
                answer.put("message", notPlaced.reason());
                answer.put("conversation_id", notPlaced.conversationId().orElse(null));
                answer.put(route.callIdField(), null);
            }
            case Progress.Waiting waiting -> throw new IllegalStateException("answered while still waiting");
        }
        return answer;
    }

    private static String json(Object value) {
        try {
            return Json.MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a response always serialises", e);
        }
    }
}
