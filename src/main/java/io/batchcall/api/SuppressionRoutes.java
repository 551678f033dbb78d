package io.batchcall.api;

import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.AgentStore;
import io.batchcall.store.SuppressionStore;
import io.batchcall.store.Suppressions;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Our do-not-call lists under {@code /v1/batchcall/suppression-lists}: lists (the workspace's, or one agent's), their
 * entries (imported as JSON or CSV, exported as either) and {@code /v1/batchcall/suppression/check}, which says
 * whether a number would be called and which entries or opt-outs say not.
 */
public final class SuppressionRoutes implements RouteGroup {
    static final String LISTS = "/v1/batchcall/suppression-lists";
    static final String CHECK = "/v1/batchcall/suppression/check";
    /** Rows per database read while a CSV export streams. */
    private static final int EXPORT_PAGE = 1_000;

    private final SuppressionStore suppressions;
    private final AgentStore agents;

    public SuppressionRoutes(SuppressionStore suppressions, AgentStore agents) {
        this.suppressions = suppressions;
        this.agents = agents;
    }

    record ListResponse(
            String listId, String name, String agentId, long entryCount, long createdAtUnix, long updatedAtUnix) {}

    record ListPage(List<ListResponse> suppressionLists, String nextCursor, boolean hasMore) {}

    record EntryResponse(
            String number, boolean isPrefix, String source, String reason, String conversationId, long addedAtUnix) {}

    record EntryPage(List<EntryResponse> entries, String nextCursor, boolean hasMore) {}

    record ImportResponse(int added, int duplicates, List<SuppressionImport.Invalid> invalid, int invalidCount) {}

    record MatchResponse(
            String listId, String optOutId, String number, boolean isPrefix, long addedAtUnix, String source) {}

    record CheckResponse(String phoneNumber, boolean suppressed, String reason, List<MatchResponse> matches) {}

    @Override
    public void register(RoutesConfig routes) {
        routes.post(LISTS, this::create);
        routes.get(LISTS, this::list);
        routes.get(LISTS + "/{list_id}", this::get);
        routes.delete(LISTS + "/{list_id}", this::delete);
        routes.post(LISTS + "/{list_id}/entries", this::add);
        routes.get(LISTS + "/{list_id}/entries", this::entries);
        routes.delete(LISTS + "/{list_id}/entries/{number}", this::remove);
        routes.get(CHECK, this::check);
    }

    private void create(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        var body = JsonBody.of(ctx);
        var name = body.requiredNonBlankText("name");
        var agentId = body.optionalText("agent_id");
        body.throwIfInvalid();
        agentId.ifPresent(id -> requireAgent(workspace, id));
        ctx.json(render(suppressions.create(workspace, name.strip(), agentId)));
    }

    private void list(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        var page = PageQuery.of(ctx);
        var found = suppressions.list(workspace, page.after(), page.pageSize());
        ctx.json(new ListPage(
                found.items().stream().map(SuppressionRoutes::render).toList(),
                found.next().map(PageQuery::encode).orElse(null),
                found.next().isPresent()));
    }

    private void get(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        ctx.json(render(find(workspace, ctx)));
    }

    private void delete(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        if (!suppressions.delete(workspace, ctx.pathParam("list_id"))) {
            throw listNotFound();
        }
        ctx.json(Map.of());
    }

    /**
     * Imports numbers: a JSON body {@code {"numbers": [...], "reason": "..."}}, or a text/csv body. Bad rows are
     * reported and the others imported, so an import whose every row is bad is still a 200 with its report.
     */
    private void add(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        var listId = ctx.pathParam("list_id");
        SuppressionImport.Parsed parsed;
        Optional<String> reason;
        String source;
        if (isCsv(ctx.contentType())) {
            var text = ctx.appData(RequestBodies.KEY)
                    .text(ctx, SuppressionImport.MAX_CSV_BYTES, SuppressionRoutes::csvTooLarge);
            parsed = SuppressionImport.fromCsv(text);
            reason = PageQuery.filter(ctx, "reason");
            source = "import";
        } else {
            var body = JsonBody.of(ctx);
            var numbers = body.optionalTextList("numbers");
            if (body.raw("numbers").isEmpty()) {
                body.violate("numbers", "Field required", "missing");
            }
            numbers.filter(list -> list.size() > SuppressionImport.MAX_ROWS)
                    .ifPresent(list -> body.violate(
                            "numbers",
                            "List should have at most " + SuppressionImport.MAX_ROWS + " items, not " + list.size(),
                            "too_long"));
            reason = body.optionalText("reason");
            body.throwIfInvalid();
            parsed = SuppressionImport.fromList(numbers.orElseThrow());
            source = "api";
        }
        if (parsed.entries().isEmpty() && parsed.invalid().isEmpty()) {
            throw ValidationException.of(List.of("body"), "No numbers to import", "missing");
        }
        var added = suppressions
                .add(workspace, listId, parsed.entries(), source, reason)
                .orElseThrow(SuppressionRoutes::listNotFound);
        var invalid = parsed.invalid();
        ctx.json(new ImportResponse(
                added.added(),
                added.duplicates(),
                invalid.subList(0, Math.min(invalid.size(), SuppressionImport.MAX_REPORTED_INVALID)),
                invalid.size()));
    }

    /** The entries, newest first: JSON pages, or with {@code Accept: text/csv} all of them as one CSV. */
    private void entries(Context ctx) throws IOException {
        var workspace = Authentication.workspace(ctx).id();
        var list = find(workspace, ctx);
        var accept = Optional.ofNullable(ctx.header("Accept")).orElse("");
        if (accept.contains("text/csv")) {
            exportCsv(ctx, workspace, list);
            return;
        }
        var page = PageQuery.of(ctx);
        var found = suppressions.entries(workspace, list.id(), page.after(), page.pageSize());
        ctx.json(new EntryPage(
                found.items().stream().map(SuppressionRoutes::render).toList(),
                found.next().map(PageQuery::encode).orElse(null),
                found.next().isPresent()));
    }

    private void exportCsv(Context ctx, WorkspaceId workspace, SuppressionStore.SuppressionList list)
            throws IOException {
        ctx.contentType("text/csv; charset=utf-8");
        ctx.header("Content-Disposition", "attachment; filename=\"" + list.id() + ".csv\"");
        var out = new BufferedWriter(new OutputStreamWriter(ctx.outputStream(), StandardCharsets.UTF_8));
        // The number first: the file imports back as it is.
        out.write("phone_number,is_prefix,source,reason,added_at_unix\n");
        Optional<io.batchcall.store.Keyset> after = Optional.empty();
        do {
            var page = suppressions.entries(workspace, list.id(), after, EXPORT_PAGE);
            for (var entry : page.items()) {
                out.write(entry.shown() + "," + entry.isPrefix() + "," + entry.source() + ","
                        + BatchExport.cell(entry.reason().orElse("")) + ","
                        + entry.createdAt().getEpochSecond() + "\n");
            }
            after = page.next();
        } while (after.isPresent());
        out.flush();
    }

    private void remove(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        var text = pathNumber(ctx.pathParam("number"));
        var entry = SuppressionImport.entry(text)
                .orElseThrow(() -> ValidationException.of(
                        List.of("path", "number"), SuppressionImport.INVALID_REASON, "value_error"));
        switch (suppressions.remove(workspace, ctx.pathParam("list_id"), entry)) {
            case REMOVED -> ctx.json(Map.of());
            case NO_LIST -> throw listNotFound();
            case NO_ENTRY ->
                throw ApiException.notFound("suppression_entry_not_found", "The list has no entry " + entry.shown());
        }
    }

    private void check(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        var text = PageQuery.filter(ctx, "phone_number")
                .orElseThrow(
                        () -> ValidationException.of(List.of("query", "phone_number"), "Field required", "missing"));
        var number = SuppressionImport.entry(pathNumber(text))
                .filter(entry -> !entry.isPrefix())
                .orElseThrow(() ->
                        ValidationException.of(List.of("query", "phone_number"), E164.invalidMessage(), "value_error"))
                .number();
        var agentId = PageQuery.filter(ctx, "agent_id");
        agentId.ifPresent(id -> requireAgent(workspace, id));
        var check = suppressions.check(workspace, agentId, number);
        ctx.json(new CheckResponse(
                number,
                check.reason().isPresent(),
                check.reason().map(r -> r.wireName()).orElse(null),
                check.matches().stream().map(SuppressionRoutes::render).toList()));
    }

    /**
     * A number from a path or query: "+" arrives as a space when a client did not encode it (form decoding), and
     * no number starts with a space.
     */
    private static String pathNumber(String text) {
        return text.startsWith(" ") ? "+" + text.substring(1) : text;
    }

    private static boolean isCsv(String contentType) {
        return contentType != null
                && (contentType.toLowerCase(java.util.Locale.ROOT).startsWith("text/csv")
                        || contentType.toLowerCase(java.util.Locale.ROOT).startsWith("text/plain"));
    }

    private void requireAgent(WorkspaceId workspace, String agentId) {
        agents.find(workspace, agentId)
                .orElseThrow(() ->
                        ApiException.notFound("agent_not_found", "No agent with id " + agentId + " in this workspace"));
    }

    private SuppressionStore.SuppressionList find(WorkspaceId workspace, Context ctx) {
        return suppressions.find(workspace, ctx.pathParam("list_id")).orElseThrow(SuppressionRoutes::listNotFound);
    }

    private static ListResponse render(SuppressionStore.SuppressionList list) {
        return new ListResponse(
                list.id(),
                list.name(),
                list.agentId().orElse(null),
                list.entryCount(),
                list.createdAt().getEpochSecond(),
                list.updatedAt().getEpochSecond());
    }

    private static EntryResponse render(SuppressionStore.Entry entry) {
        return new EntryResponse(
                entry.shown(),
                entry.isPrefix(),
                entry.source(),
                entry.reason().orElse(null),
                entry.conversationId().orElse(null),
                entry.createdAt().getEpochSecond());
    }

    private static MatchResponse render(Suppressions.Match match) {
        return new MatchResponse(
                match.listId().orElse(null),
                match.optOutId().orElse(null),
                match.isPrefix() ? match.number() + "*" : match.number(),
                match.isPrefix(),
                match.addedAt().getEpochSecond(),
                match.source());
    }

    static ApiException listNotFound() {
        return ApiException.notFound("suppression_list_not_found", "No suppression list with that id");
    }

    private static ApiException csvTooLarge() {
        return new ApiException(
                413,
                "file_too_large",
                "The CSV is larger than " + SuppressionImport.MAX_CSV_BYTES / (1024 * 1024)
                        + " MB; import it in several requests");
    }
}
