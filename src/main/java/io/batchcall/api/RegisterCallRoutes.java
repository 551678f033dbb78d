package io.batchcall.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.batchcall.domain.CallSuccessful;
import io.batchcall.domain.ConversationRef;
import io.batchcall.domain.ConversationStatus;
import io.batchcall.domain.NewConversation;
import io.batchcall.store.AgentStore;
import io.batchcall.store.ConversationStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * {@code POST /v1/convai/twilio/register-call}: for a call the user placed (or received) through their own Twilio
 * account, records a conversation and answers the TwiML that connects the call to the agent, as ElevenLabs does.
 * The TwiML is the Twilio provider's own Connect/Stream document (handed in by {@code App}, since routes do not
 * reach into providers), so a registered call reaches the agent exactly as a dispatched one does.
 */
public final class RegisterCallRoutes implements RouteGroup {
    static final String PATH = "/v1/convai/twilio/register-call";
    private static final List<String> DIRECTIONS = List.of("inbound", "outbound");

    /** Builds the TwiML that connects a call to an agent's media stream. */
    @FunctionalInterface
    public interface ConnectTwiml {
        String build(
                String mediaStreamUrl,
                String conversationId,
                String agentToken,
                String agentUrl,
                Optional<String> clientDataJson);
    }

    private final AgentStore agents;
    private final ConversationStore conversations;
    private final AgentTokens agentTokens;
    private final ConnectTwiml twiml;
    private final Clock clock;

    public RegisterCallRoutes(
            AgentStore agents,
            ConversationStore conversations,
            AgentTokens agentTokens,
            ConnectTwiml twiml,
            Clock clock) {
        this.agents = agents;
        this.conversations = conversations;
        this.agentTokens = agentTokens;
        this.twiml = twiml;
        this.clock = clock;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.post(PATH, this::registerCall);
    }

    private void registerCall(Context ctx) {
        var workspace = Authentication.workspace(ctx);
        var body = JsonBody.of(ctx);
        var agentId = body.requiredText("agent_id");
        body.requiredText("from_number");
        body.requiredText("to_number");
        body.optionalEnum("direction", DIRECTIONS);
        var clientData = body.optionalObject("conversation_initiation_client_data")
                .map(data -> {
                    data.optionalObject("dynamic_variables");
                    return json(data.node());
                });
        body.throwIfInvalid();
        var agent = agents.find(workspace.id(), agentId)
                .orElseThrow(() ->
                        ApiException.notFound("agent_not_found", "No agent with id " + agentId + " in this workspace"));
        var stream = agent.mediaStreamUrl()
                .orElseThrow(() -> ApiException.conflict(
                        "agent_has_no_media_stream",
                        "Agent " + agentId
                                + " has no media_stream_url: a Twilio call connects to the agent's media stream,"
                                + " so set one on the agent first"));
        // No call SID comes with the request, so the conversation has no phone_call part; the agent learns the
        // call's details from the stream's start message, as with any Twilio stream.
        var conversation = conversations.create(
                workspace.id(),
                new NewConversation(
                        agent.id(),
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty(),
                        ConversationStatus.INITIATED,
                        CallSuccessful.UNKNOWN,
                        clock.instant(),
                        0,
                        Optional.empty(),
                        Optional.empty(),
                        clientData,
                        "[]"));
        var ref = new ConversationRef(workspace.id(), conversation.id());
        ctx.status(200)
                .contentType("text/html")
                .result(twiml.build(
                        stream, conversation.id(), agentTokens.token(ref), agentTokens.url(ref), clientData));
    }

    private static String json(Object value) {
        try {
            return Json.MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a parsed JSON tree always serialises", e);
        }
    }
}
