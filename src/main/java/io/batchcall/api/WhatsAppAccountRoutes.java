package io.batchcall.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.batchcall.domain.Change;
import io.batchcall.domain.PhoneNumber;
import io.batchcall.domain.Provider;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.AgentStore;
import io.batchcall.store.PhoneNumberStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * WhatsApp Business accounts: ours to import ({@code POST /v1/batchcall/whatsapp-accounts}, since ElevenLabs
 * imports through Meta's OAuth, which a self-hosted server cannot), ElevenLabs' to list, read, change and delete
 * under {@code /v1/convai/whatsapp-accounts}. An account is stored as a phone number of provider {@code whatsapp}
 * whose id is Meta's phone_number_id, so batches, the claim and pacing treat it as any caller number; its access
 * token, app secret and verify token are that number's encrypted credentials and never leave the server.
 */
public final class WhatsAppAccountRoutes implements RouteGroup {
    static final String IMPORT_PATH = "/v1/batchcall/whatsapp-accounts";
    static final String PATH = "/v1/convai/whatsapp-accounts";
    /** The credential keys of an account, as WhatsApp calling reads them. */
    static final List<String> SECRETS = List.of("access_token", "app_secret", "verify_token");

    private static final List<String> FLAGS =
            List.of("enable_messaging", "enable_audio_message_response", "enable_typing_indicator");
    /** Set when Graph answered code 190 (the access token expired or was revoked); a new token clears it. */
    static final String TOKEN_EXPIRED = "is_token_expired";

    private static final Pattern META_ID = Pattern.compile("\\d{1,32}");

    private final PhoneNumberStore phoneNumbers;
    private final AgentStore agents;

    public WhatsAppAccountRoutes(PhoneNumberStore phoneNumbers, AgentStore agents) {
        this.phoneNumbers = phoneNumbers;
        this.agents = agents;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.post(IMPORT_PATH, this::create);
        routes.get(PATH, this::list);
        routes.get(PATH + "/{phone_number_id}", this::get);
        routes.patch(PATH + "/{phone_number_id}", this::update);
        routes.delete(PATH + "/{phone_number_id}", this::delete);
    }

    private void create(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        var body = JsonBody.of(ctx);
        var id = metaId(body, "phone_number_id");
        var businessAccountId = metaId(body, "business_account_id");
        var phoneNumber = body.requiredText("phone_number");
        if (body.raw("phone_number").filter(JsonNode::isTextual).isPresent()
                && E164.normalise(phoneNumber).isEmpty()) {
            body.violate("phone_number", E164.invalidMessage(), "value_error");
        }
        var businessName = body.optionalText("business_account_name");
        var numberName = body.optionalText("phone_number_name");
        var agentId = body.optionalText("assigned_agent_id");
        var secrets = new HashMap<String, String>();
        for (var key : SECRETS) {
            secrets.put(key, body.requiredNonBlankText(key));
        }
        var settings = Json.MAPPER.createObjectNode();
        settings.put("business_account_id", businessAccountId);
        settings.put("business_account_name", businessName.orElse(""));
        settings.put("phone_number_name", numberName.orElse(""));
        body.optionalText("graph_version").ifPresent(version -> settings.put("graph_version", version));
        for (var flag : FLAGS) {
            settings.put(flag, body.optionalBoolean(flag).orElse(true));
        }
        settings.put(TOKEN_EXPIRED, false);
        body.throwIfInvalid();
        agentId.ifPresent(agent -> requireAgent(workspace, agent));
        var number = new PhoneNumberStore.NewPhoneNumber(
                Provider.WHATSAPP,
                E164.normalise(phoneNumber).orElseThrow(),
                numberName.orElse(phoneNumber),
                agentId,
                settings.toString(),
                secrets,
                Provider.WHATSAPP.defaultCps(),
                true,
                true);
        var created = phoneNumbers
                .createWhatsAppAccount(workspace, id, number)
                .orElseThrow(() -> ApiException.conflict(
                        "whatsapp_account_exists",
                        "A WhatsApp account with phone_number_id " + id + " is already imported"));
        ctx.json(render(workspace, List.of(created)).getFirst());
    }

    private void list(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        var accounts = phoneNumbers.list(
                workspace, Optional.of(Provider.WHATSAPP), PageQuery.filter(ctx, "agent_id"), Optional.empty());
        ctx.json(Map.of("items", render(workspace, accounts)));
    }

    private void get(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        ctx.json(render(workspace, List.of(find(workspace, ctx))).getFirst());
    }

    private void update(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        var current = find(workspace, ctx);
        var body = JsonBody.of(ctx);
        Change<String> agentId = !body.has("assigned_agent_id")
                ? Change.keep()
                : body.optionalText("assigned_agent_id")
                        .<Change<String>>map(Change::setTo)
                        .orElse(Change.clear());
        var settings = Json.MAPPER.createObjectNode();
        for (var flag : FLAGS) {
            body.optionalBoolean(flag).ifPresent(value -> settings.put(flag, value));
        }
        // Our extension: rotating the secrets. Absent or null keeps a secret; none can be removed.
        var secrets = new HashMap<String, Optional<String>>();
        for (var key : SECRETS) {
            if (body.raw(key).isPresent()) {
                secrets.put(key, Optional.of(body.requiredNonBlankText(key)));
            }
        }
        if (secrets.containsKey("access_token")) {
            settings.put(TOKEN_EXPIRED, false);
        }
        body.throwIfInvalid();
        agentId.setValue().ifPresent(agent -> requireAgent(workspace, agent));
        var updated = phoneNumbers
                .update(
                        workspace,
                        current.id(),
                        new PhoneNumberStore.Changes(
                                Optional.empty(), agentId, settings.toString(), Set.of(), secrets, Optional.empty()))
                .orElseThrow(WhatsAppAccountRoutes::notFound);
        ctx.json(render(workspace, List.of(updated)).getFirst());
    }

    private void delete(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        find(workspace, ctx);
        switch (phoneNumbers.delete(workspace, ctx.pathParam("phone_number_id"))) {
            case DELETED -> ctx.json(Map.of());
            case NOT_FOUND -> throw notFound();
            case IN_USE_BY_ACTIVE_BATCH ->
                throw ApiException.conflict(
                        "whatsapp_account_in_use",
                        "A pending or in-progress batch calls from this WhatsApp account; cancel it or let it"
                                + " finish first");
        }
    }

    /** Meta's ids (phone_number_id, business_account_id) are digits; anything else is a typo worth a 422. */
    private static String metaId(JsonBody body, String field) {
        var value = body.requiredText(field);
        if (body.raw(field).filter(JsonNode::isTextual).isPresent()
                && !META_ID.matcher(value).matches()) {
            body.violate(field, "Value error, Meta's ids are digits", "value_error");
        }
        return value;
    }

    private void requireAgent(WorkspaceId workspace, String agentId) {
        if (agents.find(workspace, agentId).isEmpty()) {
            throw AgentRoutes.agentNotFound();
        }
    }

    private PhoneNumber find(WorkspaceId workspace, Context ctx) {
        return phoneNumbers
                .find(workspace, ctx.pathParam("phone_number_id"))
                .filter(number -> number.provider() == Provider.WHATSAPP)
                .orElseThrow(WhatsAppAccountRoutes::notFound);
    }

    /** Accounts in ElevenLabs' GetWhatsAppAccountResponse, with their agents' names looked up in one query. */
    private List<Map<String, Object>> render(WorkspaceId workspace, List<PhoneNumber> accounts) {
        var names = agents.names(
                workspace,
                accounts.stream().flatMap(n -> n.agentId().stream()).distinct().toList());
        return accounts.stream().map(account -> response(account, names)).toList();
    }

    private static Map<String, Object> response(PhoneNumber account, Map<String, String> agentNames) {
        ObjectNode settings;
        try {
            settings = (ObjectNode) Json.MAPPER.readTree(account.settingsJson());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException("settings are stored as jsonb", e);
        }
        var shown = new LinkedHashMap<String, Object>();
        shown.put("business_account_id", settings.path("business_account_id").asText(""));
        shown.put("phone_number_id", account.id());
        shown.put(
                "business_account_name", settings.path("business_account_name").asText(""));
        shown.put("phone_number_name", settings.path("phone_number_name").asText(""));
        shown.put("phone_number", account.phoneNumber());
        shown.put("assigned_agent_id", account.agentId().orElse(null));
        for (var flag : FLAGS) {
            shown.put(flag, settings.path(flag).asBoolean(true));
        }
        shown.put("assigned_agent_name", account.agentId().map(agentNames::get).orElse(null));
        shown.put(TOKEN_EXPIRED, settings.path(TOKEN_EXPIRED).asBoolean(false));
        return shown;
    }

    static ApiException notFound() {
        return ApiException.notFound(
                "whatsapp_account_not_found", "No WhatsApp account with that phone_number_id in this workspace");
    }
}
