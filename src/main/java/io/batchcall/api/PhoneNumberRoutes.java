package io.batchcall.api;

import io.batchcall.domain.Change;
import io.batchcall.domain.EgressPolicy;
import io.batchcall.domain.PhoneNumber;
import io.batchcall.domain.Provider;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.AgentStore;
import io.batchcall.store.BranchStore;
import io.batchcall.store.PhoneNumberStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** {@code /v1/convai/phone-numbers}: importing caller numbers, listing, assigning to agents, deleting. */
public final class PhoneNumberRoutes implements RouteGroup {
    private static final String PATH = "/v1/convai/phone-numbers";
    private static final String V2_PATH = "/v1/convai/v2/phone-numbers";

    private final PhoneNumberStore phoneNumbers;
    private final AgentStore agents;
    private final BranchStore branches;
    private final EgressPolicy egress;

    public PhoneNumberRoutes(
            PhoneNumberStore phoneNumbers, AgentStore agents, BranchStore branches, EgressPolicy egress) {
        this.phoneNumbers = phoneNumbers;
        this.agents = agents;
        this.branches = branches;
        this.egress = egress;
    }

    record CreatedResponse(String phoneNumberId) {}

    @Override
    public void register(RoutesConfig routes) {
        routes.post(PATH, this::create);
        routes.get(PATH, this::list);
        routes.get(PATH + "/{phone_number_id}", this::get);
        routes.patch(PATH + "/{phone_number_id}", this::update);
        routes.delete(PATH + "/{phone_number_id}", this::delete);
        routes.get(V2_PATH, this::page);
    }

    /** ElevenLabs' paged list: {@code {phone_numbers, next_cursor, has_more}}. */
    record NumberPage(List<Object> phoneNumbers, String nextCursor, boolean hasMore) {}

    private void page(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        var query = PhoneNumberPages.of(ctx);
        var page = phoneNumbers.page(
                workspace, query.filter(), query.sortBy(), query.descending(), query.after(), query.pageSize());
        ctx.json(new NumberPage(
                render(workspace, page.numbers(), agents),
                page.next()
                        .map(next -> PhoneNumberPages.encode(next, query.sortBy(), query.descending()))
                        .orElse(null),
                page.next().isPresent()));
    }

    private void create(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        var request = PhoneNumberRequests.create(JsonBody.of(ctx), egress);
        request.agentId().ifPresent(agentId -> requireAgent(workspace, agentId));
        ctx.json(new CreatedResponse(phoneNumbers.create(workspace, request).id()));
    }

    private void list(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        var providerName = PageQuery.filter(ctx, "provider");
        var provider = providerName.flatMap(Provider::fromWire);
        if (providerName.isPresent() && provider.isEmpty()) {
            var allowed =
                    Arrays.stream(Provider.values()).map(Provider::wireName).toList();
            throw ValidationException.of(
                    List.of("query", "provider"), "Input should be " + JsonBody.oneOf(allowed), "enum");
        }
        var numbers = phoneNumbers
                .list(workspace, provider, PageQuery.filter(ctx, "agent_id"), PageQuery.filter(ctx, "branch_id"))
                .stream()
                .filter(PhoneNumberRoutes::isPhoneNumber)
                .toList();
        ctx.json(render(workspace, numbers, agents));
    }

    private void get(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        var number = find(workspace, ctx);
        ctx.json(render(workspace, List.of(number), agents).getFirst());
    }

    private void update(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        var current = find(workspace, ctx);
        var update = PhoneNumberRequests.update(JsonBody.of(ctx), current.provider(), egress);
        var changes = update.changes();
        changes.agentId().setValue().ifPresent(agentId -> requireAgent(workspace, agentId));
        update.branchId().ifPresent(branchId -> requireBranch(workspace, branchId, changes.agentId(), current));
        var updated = phoneNumbers.update(workspace, current.id(), changes).orElseThrow(PhoneNumberRoutes::notFound);
        ctx.json(render(workspace, List.of(updated), agents).getFirst());
    }

    private void delete(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        find(workspace, ctx);
        switch (phoneNumbers.delete(workspace, ctx.pathParam("phone_number_id"))) {
            case DELETED -> ctx.json(Map.of());
            case NOT_FOUND -> throw notFound();
            case IN_USE_BY_ACTIVE_BATCH ->
                throw ApiException.conflict(
                        "phone_number_in_use",
                        "A pending or in-progress batch calls from this number; cancel it or let it finish first");
        }
    }

    /** A branch named in a PATCH must be a branch of the agent the number will have. */
    private void requireBranch(
            WorkspaceId workspace, String branchId, Change<String> agentChange, PhoneNumber current) {
        var agentId = agentChange.changes() ? agentChange.setValue() : current.agentId();
        if (agentId.flatMap(agent -> branches.find(workspace, agent, branchId)).isEmpty()) {
            throw ApiException.notFound("branch_not_found", "No branch with that id for the number's agent");
        }
    }

    private void requireAgent(WorkspaceId workspace, String agentId) {
        if (agents.find(workspace, agentId).isEmpty()) {
            throw AgentRoutes.agentNotFound();
        }
    }

    private PhoneNumber find(WorkspaceId workspace, Context ctx) {
        return phoneNumbers
                .find(workspace, ctx.pathParam("phone_number_id"))
                .filter(PhoneNumberRoutes::isPhoneNumber)
                .orElseThrow(PhoneNumberRoutes::notFound);
    }

    /**
     * WhatsApp accounts are stored as numbers but ElevenLabs keeps them apart: they are listed, read and changed
     * under {@code /v1/convai/whatsapp-accounts} only ({@link WhatsAppAccountRoutes}).
     */
    static boolean isPhoneNumber(PhoneNumber number) {
        return number.provider() != Provider.WHATSAPP;
    }

    /** Numbers in their response models, with the names of their agents looked up in one query. */
    static List<Object> render(WorkspaceId workspace, List<PhoneNumber> numbers, AgentStore agents) {
        var names = agents.names(
                workspace,
                numbers.stream().flatMap(n -> n.agentId().stream()).distinct().toList());
        return numbers.stream()
                .<Object>map(number -> PhoneNumberResponses.of(number, names))
                .toList();
    }

    static ApiException notFound() {
        return ApiException.notFound("phone_number_not_found", "No phone number with that id in this workspace");
    }
}
