package io.batchcall;

import io.batchcall.api.AdminRoutes;
import io.batchcall.api.AgentCallRoutes;
import io.batchcall.api.AgentRoutes;
import io.batchcall.api.AgentTokens;
import io.batchcall.api.AttemptRoutes;
import io.batchcall.api.Authentication;
import io.batchcall.api.BatchOperationRoutes;
import io.batchcall.api.BatchRoutes;
import io.batchcall.api.BranchRoutes;
import io.batchcall.api.CallbackTokens;
import io.batchcall.api.CallingWindowRoutes;
import io.batchcall.api.ConvaiSettingsRoutes;
import io.batchcall.api.ConversationRoutes;
import io.batchcall.api.ExotelCallbackRoutes;
import io.batchcall.api.FrequencyCapRoutes;
import io.batchcall.api.OperationsRoutes;
import io.batchcall.api.OptOutRoutes;
import io.batchcall.api.OutboundCallRoutes;
import io.batchcall.api.PhoneNumberRoutes;
import io.batchcall.api.RecipientUploadRoutes;
import io.batchcall.api.RegisterCallRoutes;
import io.batchcall.api.RetryPolicyRoutes;
import io.batchcall.api.RouteGroup;
import io.batchcall.api.SuppressionRoutes;
import io.batchcall.api.TwilioCallbackRoutes;
import io.batchcall.api.WebhookRoutes;
import io.batchcall.api.WhatsAppAccountRoutes;
import io.batchcall.api.WhatsAppHandOff;
import io.batchcall.api.WhatsAppWebhookRoutes;
import io.batchcall.api.WorkspaceRoutes;
import io.batchcall.config.Config;
import io.batchcall.domain.EgressPolicy;
import io.batchcall.domain.IdSource;
import io.batchcall.store.AttemptHistory;
import io.batchcall.store.BatchOperations;
import io.batchcall.store.CallingWindowDefaults;
import io.batchcall.store.Database;
import io.batchcall.store.FrequencyCaps;
import io.batchcall.store.OptOutStore;
import io.batchcall.store.RetryPolicyDefaults;
import io.batchcall.store.SingleCallStore;
import io.batchcall.store.WhatsAppInbox;
import io.batchcall.telephony.AgentAccess;
import io.batchcall.telephony.twilio.TwilioProvider;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.List;
import java.util.stream.Stream;

/** Every HTTP route group of a node, in the order the server registers them, then the tests' extra ones. */
final class HttpRoutes {
    private HttpRoutes() {}

    static List<RouteGroup> of(
            Config config,
            Clock clock,
            Database database,
            IdSource ids,
            PrometheusMeterRegistry meters,
            Stores stores,
            WebhookDelivery webhooks,
            Dispatching dispatching,
            CallbackTokens callbackTokens,
            AgentTokens agentTokens,
            EgressPolicy egress,
            WhatsAppHandOff whatsAppHandOff,
            List<RouteGroup> extraRoutes) {
        var windowDefaults = new CallingWindowDefaults(database, clock);
        return Stream.concat(
                        Stream.of(
                                new OperationsRoutes(
                                        Version.current(),
                                        database,
                                        meters,
                                        config.observability().metricsToken(),
                                        dispatching.problems()),
                                new Authentication(stores.keys(), config.rateLimits(), clock, meters),
                                new AdminRoutes(
                                        config.security().adminToken(), stores.workspaces(), stores.keys(), ids),
                                new WorkspaceRoutes(stores.workspaces()),
                                new FrequencyCapRoutes(new FrequencyCaps(database)),
                                new AgentRoutes(stores.agents(), stores.phoneNumbers(), egress),
                                new BranchRoutes(stores.agents(), stores.branches()),
                                new PhoneNumberRoutes(
                                        stores.phoneNumbers(), stores.agents(), stores.branches(), egress),
                                new ConversationRoutes(
                                        stores.conversations(), stores.phoneNumbers(), dispatching.twilio()::recording),
                                new AgentCallRoutes(agentTokens, stores.conversations()),
                                new BatchRoutes(
                                        stores.batches(),
                                        stores.recipients(),
                                        stores.agents(),
                                        stores.branches(),
                                        stores.phoneNumbers(),
                                        stores.idempotency(),
                                        windowDefaults,
                                        stores.suppressions(),
                                        clock,
                                        ids,
                                        new RetryPolicyDefaults(database),
                                        meters),
                                new CallingWindowRoutes(windowDefaults),
                                new RetryPolicyRoutes(new RetryPolicyDefaults(database), stores.agents(), clock),
                                new BatchOperationRoutes(
                                        new BatchOperations(database, stores.idempotency(), ids),
                                        stores.batches(),
                                        stores.idempotency(),
                                        ids,
                                        windowDefaults),
                                new AttemptRoutes(stores.batches(), new AttemptHistory(database)),
                                new RecipientUploadRoutes(config.uploads(), stores.suppressions(), meters),
                                new SuppressionRoutes(stores.suppressions(), stores.agents()),
                                new OptOutRoutes(
                                        new OptOutStore(database, clock, ids),
                                        stores.agents(),
                                        stores.conversations(),
                                        agentTokens),
                                new WebhookRoutes(
                                        webhooks.webhooks(),
                                        webhooks.deliveries(),
                                        webhooks.log(),
                                        webhooks.sender(),
                                        webhooks.urls(),
                                        webhooks.config().rotationGrace(),
                                        clock),
                                new ConvaiSettingsRoutes(webhooks.webhooks()),
                                new OutboundCallRoutes(
                                        new SingleCallStore(database, clock, ids),
                                        stores.batches(),
                                        stores.agents(),
                                        stores.branches(),
                                        stores.phoneNumbers(),
                                        dispatching.registry(),
                                        clock,
                                        ids,
                                        config.singleCalls().dialWaitMargin()),
                                new RegisterCallRoutes(
                                        stores.agents(),
                                        stores.conversations(),
                                        agentTokens,
                                        (stream, conversationId, token, url, clientData) -> TwilioProvider.connectTwiml(
                                                stream, conversationId, new AgentAccess.Grant(token, url), clientData),
                                        clock),
                                new WhatsAppAccountRoutes(stores.phoneNumbers(), stores.agents()),
                                new WhatsAppWebhookRoutes(
                                        stores.phoneNumbers(),
                                        new WhatsAppInbox(database, clock),
                                        whatsAppHandOff,
                                        clock),
                                new TwilioCallbackRoutes(
                                        callbackTokens,
                                        stores.attempts(),
                                        stores.phoneNumbers(),
                                        dispatching.twilio()::onStatusCallback,
                                        stores.conversations(),
                                        dispatching.twilio()::endOutlivedCall),
                                new ExotelCallbackRoutes(
                                        callbackTokens, stores.attempts(), dispatching.exotel()::onStatusCallback)),
                        extraRoutes.stream())
                .toList();
    }
}
