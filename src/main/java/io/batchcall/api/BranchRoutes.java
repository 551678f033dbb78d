package io.batchcall.api;

import io.batchcall.domain.Branch;
import io.batchcall.store.AgentStore;
import io.batchcall.store.BranchStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.List;

/**
 * {@code /v1/convai/agents/{agent_id}/branches}: an agent's branches as {@code AgentBranchSummary}s (times as
 * unix seconds, as the spec's integers), and creating one. A branch has no commits here, so
 * {@code last_committed_at} is its creation time.
 */
public final class BranchRoutes implements RouteGroup {
    private static final String PATH = "/v1/convai/agents/{agent_id}/branches";

    private final AgentStore agents;
    private final BranchStore branches;

    public BranchRoutes(AgentStore agents, BranchStore branches) {
        this.agents = agents;
        this.branches = branches;
    }

    record BranchSummary(
            String id,
            String name,
            String agentId,
            String description,
            long createdAt,
            long lastCommittedAt,
            boolean isArchived) {
        static BranchSummary of(Branch branch) {
            long created = branch.createdAt().getEpochSecond();
            return new BranchSummary(
                    branch.id(),
                    branch.name(),
                    branch.agentId(),
                    branch.description().orElse(""),
                    created,
                    created,
                    false);
        }
    }

    /**
     * What creating a branch answers: ElevenLabs' {@code CreateAgentBranchResponseModel} (the SDK reads
     * {@code created_branch_id} and {@code created_version_id}), plus the branch's summary as before. A branch has
     * no versions here, so its one version's id is derived from the branch's.
     */
    record CreatedBranch(
            String createdBranchId,
            String createdVersionId,
            @com.fasterxml.jackson.annotation.JsonUnwrapped BranchSummary branch) {
        static CreatedBranch of(Branch branch) {
            return new CreatedBranch(branch.id(), versionId(branch), BranchSummary.of(branch));
        }
    }

    /** The id of a branch's one version: stable, so that every read of the branch can name the same one. */
    static String versionId(Branch branch) {
        return "agtvrs_" + branch.id().substring(branch.id().indexOf('_') + 1);
    }

    record Meta(int total, int page, int pageSize) {}

    record BranchList(Meta meta, List<BranchSummary> results) {}

    @Override
    public void register(RoutesConfig routes) {
        routes.get(PATH, this::list);
        routes.post(PATH, this::create);
    }

    private void list(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        var agent = agents.find(workspace, ctx.pathParam("agent_id")).orElseThrow(AgentRoutes::agentNotFound);
        var found = branches.list(workspace, agent.id()).stream()
                .map(BranchSummary::of)
                .toList();
        ctx.json(new BranchList(new Meta(found.size(), 0, found.size()), found));
    }

    private void create(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        var agent = agents.find(workspace, ctx.pathParam("agent_id")).orElseThrow(AgentRoutes::agentNotFound);
        var body = JsonBody.of(ctx);
        var name = body.requiredNonBlankText("name");
        var description = body.optionalText("description");
        body.throwIfInvalid();
        ctx.json(CreatedBranch.of(branches.create(workspace, agent.id(), name, description)));
    }
}
