package io.batchcall.api;

import io.batchcall.domain.FrequencyCap;
import io.batchcall.store.FrequencyCaps;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Our extension {@code GET/PUT /v1/batchcall/workspace/frequency-caps}: at most {@code max} calls to one number in
 * any rolling {@code per_seconds}, across every batch and single call of the workspace; enforced when recipients
 * are claimed (a capped one waits, held {@code frequency_cap}).
 */
public final class FrequencyCapRoutes implements RouteGroup {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(FrequencyCapRoutes.class);
    static final String PATH = "/v1/batchcall/workspace/frequency-caps";

    record CapBody(int max, long perSeconds) {}

    record CapsResponse(List<CapBody> frequencyCaps) {}

    private final FrequencyCaps caps;

    public FrequencyCapRoutes(FrequencyCaps caps) {
        this.caps = caps;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get(PATH, this::current);
        routes.put(PATH, this::replace);
    }

    private void current(Context ctx) {
        var workspace = Authentication.workspace(ctx);
        ctx.json(response(caps.caps(workspace.id())));
    }

    /** Replaces the caps as a whole; setting a value is idempotent by nature. */
    private void replace(Context ctx) {
        var workspace = Authentication.workspace(ctx);
        var body = JsonBody.of(ctx);
        forbidExtra(body, Set.of("frequency_caps"));
        var elements = body.optionalObjectArray("frequency_caps");
        if (elements.isEmpty() && body.valid()) {
            body.violate("frequency_caps", "Field required", "missing");
        }
        var parsed = new ArrayList<FrequencyCap>();
        elements.ifPresent(list -> {
            if (list.size() > FrequencyCap.MAX_CAPS) {
                body.violate(
                        "frequency_caps",
                        "List should have at most " + FrequencyCap.MAX_CAPS + " items after validation, not "
                                + list.size(),
                        "too_long");
            }
            for (var element : list) {
                forbidExtra(element, Set.of("max", "per_seconds"));
                var max = element.optionalInt("max");
                var per = element.optionalLong("per_seconds");
                if (!element.has("max")) {
                    element.violate("max", "Field required", "missing");
                }
                if (!element.has("per_seconds")) {
                    element.violate("per_seconds", "Field required", "missing");
                }
                element.atLeast("max", max, 1);
                element.atMost("max", max, FrequencyCap.MAX_MAX);
                element.atLeast("per_seconds", per, FrequencyCap.MIN_PER.toSeconds());
                element.atMost("per_seconds", per, FrequencyCap.MAX_PER.toSeconds());
                if (max.isPresent()
                        && per.isPresent()
                        && max.get() >= 1
                        && max.get() <= FrequencyCap.MAX_MAX
                        && per.get() >= FrequencyCap.MIN_PER.toSeconds()
                        && per.get() <= FrequencyCap.MAX_PER.toSeconds()) {
                    parsed.add(new FrequencyCap(max.get(), Duration.ofSeconds(per.get())));
                }
            }
        });
        body.throwIfInvalid();
        caps.replace(workspace.id(), parsed);
        log.info("Frequency caps set workspaceId={} caps={}", workspace.id(), parsed.size());
        ctx.json(response(parsed));
    }

    private static void forbidExtra(JsonBody body, Set<String> allowed) {
        var fields = new ArrayList<String>();
        body.node().fieldNames().forEachRemaining(fields::add);
        fields.stream()
                .filter(f -> !allowed.contains(f))
                .forEach(f -> body.violate(f, "Extra inputs are not permitted", "extra_forbidden"));
    }

    private static CapsResponse response(List<FrequencyCap> caps) {
        return new CapsResponse(caps.stream()
                .map(cap -> new CapBody(cap.max(), cap.per().toSeconds()))
                .toList());
    }
}
