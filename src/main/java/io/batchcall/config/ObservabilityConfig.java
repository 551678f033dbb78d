package io.batchcall.config;

import java.util.Optional;

/**
 * What {@code /metrics} may show and to whom. Workspace ids name tenants, so meters tagged with one are left out
 * of an open endpoint; an operator who wants them either says so ({@code workspaceLabels}) or protects the
 * endpoint with a bearer token, which then also shows them.
 */
public record ObservabilityConfig(boolean workspaceLabels, Optional<String> metricsToken) {
    /** True when meters may carry a workspace id. */
    public boolean showsWorkspaces() {
        return workspaceLabels || metricsToken.isPresent();
    }

    @Override
    public String toString() {
        return "ObservabilityConfig[workspaceLabels=" + workspaceLabels + ", metricsToken="
                + metricsToken.map(t -> "***") + "]";
    }
}
