package io.batchcall;

import io.batchcall.api.AdminRoutes;
import io.batchcall.api.AgentCallRoutes;
import io.batchcall.api.AgentRoutes;
import io.batchcall.api.AgentTokens;
import io.batchcall.api.ApiErrors;
import io.batchcall.api.ApiServer;
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
import io.batchcall.config.ConfigException;
import io.batchcall.config.Settings;
import io.batchcall.dispatch.AttemptRecorder;
import io.batchcall.dispatch.CallRegistry;
import io.batchcall.dispatch.Dispatcher;
import io.batchcall.dispatch.Housekeeping;
import io.batchcall.dispatch.LeaseKeeper;
import io.batchcall.dispatch.PostCallProducer;
import io.batchcall.dispatch.StaleCallSweep;
import io.batchcall.dispatch.Wakeup;
import io.batchcall.domain.EgressPolicy;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.PhoneNumber;
import io.batchcall.domain.Provider;
import io.batchcall.domain.RetrySchedule;
import io.batchcall.rules.CallingWindowRules;
import io.batchcall.rules.JollydayHolidays;
import io.batchcall.store.AgentStore;
import io.batchcall.store.ApiKeyStore;
import io.batchcall.store.AttemptHistory;
import io.batchcall.store.AttemptLifecycle;
import io.batchcall.store.AttemptStore;
import io.batchcall.store.BatchOperations;
import io.batchcall.store.BatchStore;
import io.batchcall.store.BranchStore;
import io.batchcall.store.CallingWindowDefaults;
import io.batchcall.store.ClaimStore;
import io.batchcall.store.ConversationStore;
import io.batchcall.store.CredentialCipher;
import io.batchcall.store.Database;
import io.batchcall.store.DeliveryLog;
import io.batchcall.store.DeliveryStore;
import io.batchcall.store.EmbeddedPostgresServer;
import io.batchcall.store.FrequencyCaps;
import io.batchcall.store.IdempotencyStore;
import io.batchcall.store.LeaseStore;
import io.batchcall.store.Notifications;
import io.batchcall.store.OptOutStore;
import io.batchcall.store.PhoneNumberStore;
import io.batchcall.store.PostCallTranscriptions;
import io.batchcall.store.ProviderRequestBudgets;
import io.batchcall.store.RecipientStore;
import io.batchcall.store.RetryPolicyDefaults;
import io.batchcall.store.SingleCallStore;
import io.batchcall.store.SuppressionStore;
import io.batchcall.store.WebhookStore;
import io.batchcall.store.WhatsAppInbox;
import io.batchcall.store.WhatsAppPermissionStore;
import io.batchcall.store.WindowExpiry;
import io.batchcall.store.WorkspaceStore;
import io.batchcall.telephony.AgentAccess;
import io.batchcall.telephony.ScheduledTimers;
import io.batchcall.telephony.TelephonyProvider;
import io.batchcall.telephony.exotel.ExotelLimits;
import io.batchcall.telephony.exotel.ExotelProvider;
import io.batchcall.telephony.media.MediaPorts;
import io.batchcall.telephony.simulator.SimulatorProvider;
import io.batchcall.telephony.sip.SipTrunkProvider;
import io.batchcall.telephony.twilio.TwilioLimits;
import io.batchcall.telephony.twilio.TwilioProvider;
import io.batchcall.telephony.whatsapp.WhatsAppEvents;
import io.batchcall.telephony.whatsapp.WhatsAppProvider;
import io.batchcall.webhooks.WebhookMetrics;
import io.batchcall.webhooks.WebhookSender;
import io.batchcall.webhooks.WebhookUrls;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: reads the configuration, creates every object by hand, starts them in order, and stops
 * them in reverse order. Nothing else in batchcall calls {@code new} on a collaborator it does not own.
 */
public final class App implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(App.class);
    /** A stop slower than this is logged, so that a slow shutdown says where its time went. */
    private static final long SLOW_STOP_MILLIS = 1_000;

    /**
     * Workspace ids name tenants: on an open /metrics (no token, labels not enabled) no meter tagged with one is
     * published, whoever registers it.
     */
    private static final MeterFilter WORKSPACE_TAGS_HIDDEN = MeterFilter.deny(id -> id.getTags().stream()
            .anyMatch(tag -> tag.getKey().equals("workspace") || tag.getKey().equals("workspace_id")));

    /** What to close, most recently started first. */
    private final Deque<AutoCloseable> running = new ArrayDeque<>();
    /**
     * How often each node looks for WhatsApp events whose hand-off failed or whose node stopped: a cheap indexed
     * query, and a short wait for an event that failed once.
     */
    private static final java.time.Duration WHATSAPP_INBOX_DRAIN = java.time.Duration.ofSeconds(1);

    private ApiServer server;

    private App() {}

    public static void main(String[] args) {
        if (args.length > 0) {
            System.exit(answerCommandLine(args, System.out, System.err));
            return;
        }
        Config config;
        try {
            config = Config.fromEnvironment(System.getenv());
        } catch (ConfigException e) {
            System.err.println("batchcall cannot start. " + e.getMessage());
            System.exit(2);
            return;
        }
        var app = start(config, Clock.systemUTC(), System.out, List.of());
        Runtime.getRuntime().addShutdownHook(new Thread(app::close, "batchcall-shutdown"));
    }

    /**
     * Answers {@code --version} and {@code --help} (the settings table from {@link Settings}); anything else is a
     * usage error. Returns the exit status.
     */
    static int answerCommandLine(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 1 && args[0].equals("--version")) {
            out.println("batchcall " + Version.current());
            return 0;
        }
        var usage = """
                batchcall %s: self-hosted batch calling server for voice AI agents.

                Usage: java -jar batchcall.jar            start the server (configured by the variables below)
                       java -jar batchcall.jar --version  print the version
                       java -jar batchcall.jar --help     print this help

                Settings (environment variables):
                %s""".formatted(Version.current(), Settings.table());
        if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
            out.print(usage);
            return 0;
        }
        err.println("batchcall: unknown arguments " + String.join(" ", args) + "\n");
        err.print(usage);
        return 2;
    }

    /**
     * Starts a node. {@code extraRoutes} lets tests add routes beside the real ones (to provoke an unexpected
     * error, say); production passes none.
     */
    public static App start(Config config, Clock clock, PrintStream console, List<RouteGroup> extraRoutes) {
        return start(config, clock, console, extraRoutes, java.util.Optional.empty());
    }

    /**
     * The same, with {@code whatsAppEvents} (tests) receiving what Meta's webhooks report instead of this node's
     * own handler.
     */
    public static App start(
            Config config,
            Clock clock,
            PrintStream console,
            List<RouteGroup> extraRoutes,
            java.util.Optional<WhatsAppEvents> whatsAppEvents) {
        var app = new App();
        try {
            app.startComponents(config, clock, console, extraRoutes, whatsAppEvents);
            return app;
        } catch (RuntimeException e) {
            app.close();
            throw e;
        }
    }

    private void startComponents(
            Config config,
            Clock clock,
            PrintStream console,
            List<RouteGroup> extraRoutes,
            java.util.Optional<WhatsAppEvents> whatsAppEvents) {
        log.info(
                "batchcall starting version={} nodeId={} database={}",
                Version.current(),
                config.nodeId(),
                config.database().embedded() ? "embedded" : "external");
        var meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        if (!config.observability().showsWorkspaces()) {
            // Before any meter exists: a filter only sees meters registered after it.
            meters.config().meterFilter(WORKSPACE_TAGS_HIDDEN);
        }
        new ClassLoaderMetrics().bindTo(meters);
        new JvmMemoryMetrics().bindTo(meters);
        new JvmThreadMetrics().bindTo(meters);
        new ProcessorMetrics().bindTo(meters);
        new UptimeMetrics().bindTo(meters);
        var gc = new JvmGcMetrics();
        gc.bindTo(meters);
        running.push(gc);

        var database = openDatabase(config, meters);
        var ids = IdSource.secure();
        // Created now so that a missing or unreadable key stops the start, not the first call that needs it.
        var cipher = CredentialCipher.fromConfiguredOrStoredKey(
                config.security().secretKey(), config.database().dataDirectory());
        var workspaces = new WorkspaceStore(database, clock, ids);
        var keys = new ApiKeyStore(database, clock, ids);
        var agents = new AgentStore(database, clock, ids);
        var branches = new BranchStore(database, clock, ids);
        var phoneNumbers = new PhoneNumberStore(database, clock, cipher, ids);
        var conversations = new ConversationStore(database, clock, ids);
        var idempotency = new IdempotencyStore(database, clock);
        // The claim's calling windows, so that the submit writes the holds the first claim would (SubmitHolds).
        var batches = new BatchStore(database, clock, ids, idempotency, new CallingWindowRules(new JollydayHolidays()));
        var recipients = new RecipientStore(database);
        var suppressions = new SuppressionStore(database, clock, ids);
        new FirstStart(workspaces, keys, agents, phoneNumbers, ids, console)
                .ensureDefaultWorkspace(
                        config.security().apiKey(), config.database().embedded());
        if (config.telephony().publicUrl().isEmpty()) {
            log.info("BATCHCALL_PUBLIC_URL is not set: batches on Twilio and Exotel numbers fail until it is");
        }
        var attempts = new AttemptStore(database);
        var callbackTokens = new CallbackTokens(
                cipher.derivedKey("callback tokens"), config.telephony().publicUrl());
        // Where workspaces may make us send traffic: checked when agents, numbers and webhooks are saved, at each
        // dial, and before each webhook delivery.
        var agentTokens = new AgentTokens(
                cipher.derivedKey("agent tokens"), config.telephony().publicUrl());
        var egress = new EgressPolicy(config.egress().allowPrivateNetworks(), EgressPolicy::systemResolve);
        // Webhooks: the sender is created here so that the dispatcher's notification listener can wake it, and
        // started after the dispatcher (so it stops before it, right after HTTP).
        var webhookConfig = config.webhooks();
        var webhookUrls = new WebhookUrls(egress, webhookConfig.requireHttps());
        var webhookStore = new WebhookStore(database, clock, cipher, ids);
        var deliveryStore = new DeliveryStore(
                database,
                clock,
                cipher,
                ids,
                config.nodeId(),
                webhookConfig.lease(),
                webhookConfig.maxInFlightPerEndpoint(),
                RetrySchedule.STANDARD,
                new SplittableRandom());
        var deliveryLog = new DeliveryLog(database, clock);
        var webhookSender = new WebhookSender(
                deliveryStore, webhookUrls, webhookConfig, clock, new WebhookMetrics(meters, deliveryLog, clock));
        var dispatching = startDispatching(
                config,
                clock,
                database,
                ids,
                meters,
                workspaces,
                agents,
                phoneNumbers,
                idempotency,
                callbackTokens,
                egress,
                webhookSender,
                agentTokens);

        var windowDefaults = new CallingWindowDefaults(database, clock);
        // What Meta reports goes to this node's WhatsApp provider (tests may listen instead).
        var whatsAppHandOff = new WhatsAppHandOff(
                new WhatsAppInbox(database, clock),
                whatsAppEvents.orElse(dispatching.whatsapp().events()),
                clock,
                WHATSAPP_INBOX_DRAIN);
        running.push(whatsAppHandOff);
        var routes = Stream.concat(
                        Stream.of(
                                new OperationsRoutes(
                                        Version.current(),
                                        database,
                                        meters,
                                        config.observability().metricsToken(),
                                        dispatching.problems()),
                                new Authentication(keys, config.rateLimits(), clock, meters),
                                new AdminRoutes(config.security().adminToken(), workspaces, keys, ids),
                                new WorkspaceRoutes(workspaces),
                                new FrequencyCapRoutes(new FrequencyCaps(database)),
                                new AgentRoutes(agents, phoneNumbers, egress),
                                new BranchRoutes(agents, branches),
                                new PhoneNumberRoutes(phoneNumbers, agents, branches, egress),
                                new ConversationRoutes(conversations, phoneNumbers, dispatching.twilio()::recording),
                                new AgentCallRoutes(agentTokens, conversations),
                                new BatchRoutes(
                                        batches,
                                        recipients,
                                        agents,
                                        branches,
                                        phoneNumbers,
                                        idempotency,
                                        windowDefaults,
                                        suppressions,
                                        clock,
                                        ids,
                                        new RetryPolicyDefaults(database)),
                                new CallingWindowRoutes(windowDefaults),
                                new RetryPolicyRoutes(new RetryPolicyDefaults(database), agents, clock),
                                new BatchOperationRoutes(
                                        new BatchOperations(database, idempotency, ids),
                                        batches,
                                        idempotency,
                                        ids,
                                        windowDefaults),
                                new AttemptRoutes(batches, new AttemptHistory(database)),
                                new RecipientUploadRoutes(config.uploads(), suppressions),
                                new SuppressionRoutes(suppressions, agents),
                                new OptOutRoutes(
                                        new OptOutStore(database, clock, ids), agents, conversations, agentTokens),
                                new WebhookRoutes(
                                        webhookStore,
                                        deliveryStore,
                                        deliveryLog,
                                        webhookSender,
                                        webhookUrls,
                                        webhookConfig.rotationGrace(),
                                        clock),
                                new ConvaiSettingsRoutes(webhookStore),
                                new OutboundCallRoutes(
                                        new SingleCallStore(database, clock, ids),
                                        batches,
                                        agents,
                                        branches,
                                        phoneNumbers,
                                        dispatching.registry(),
                                        clock,
                                        ids),
                                new RegisterCallRoutes(
                                        agents,
                                        conversations,
                                        agentTokens,
                                        (stream, conversationId, token, url, clientData) -> TwilioProvider.connectTwiml(
                                                stream,
                                                conversationId,
                                                new io.batchcall.telephony.AgentAccess.Grant(token, url),
                                                clientData),
                                        clock),
                                new WhatsAppAccountRoutes(phoneNumbers, agents),
                                new WhatsAppWebhookRoutes(
                                        phoneNumbers, new WhatsAppInbox(database, clock), whatsAppHandOff, clock),
                                new TwilioCallbackRoutes(
                                        callbackTokens,
                                        attempts,
                                        phoneNumbers,
                                        dispatching.twilio()::onStatusCallback,
                                        conversations),
                                new ExotelCallbackRoutes(
                                        callbackTokens, attempts, dispatching.exotel()::onStatusCallback)),
                        extraRoutes.stream())
                .toList();
        server = new ApiServer(config.http(), config.requestLimits(), new ApiErrors(), routes, meters).start();
        running.push(server);
        log.info("batchcall started nodeId={} port={}", config.nodeId(), server.port());
    }

    /**
     * The running dispatcher's faces to HTTP: Twilio's and Exotel's callbacks, what keeps this node from being
     * ready, and the WhatsApp provider (its events() are what the WhatsApp webhook endpoint hands on).
     */
    private record Dispatching(
            TwilioProvider twilio,
            ExotelProvider exotel,
            CallRegistry registry,
            Supplier<List<String>> problems,
            WhatsAppProvider whatsapp) {}

    /**
     * The dispatcher and what it needs: providers, the event recorder, leases, wake-ups. Started before HTTP and
     * stopped after it, in reverse order: stop claiming, drain calls, stop heartbeats, stop listening. Returns
     * the Twilio provider, which its callback route reports to, and the dispatcher's health for /ready.
     */
    private Dispatching startDispatching(
            Config config,
            Clock clock,
            Database database,
            IdSource ids,
            PrometheusMeterRegistry meters,
            WorkspaceStore workspaces,
            AgentStore agents,
            PhoneNumberStore phoneNumbers,
            IdempotencyStore idempotency,
            CallbackTokens callbackTokens,
            EgressPolicy egress,
            WebhookSender webhookSender,
            AgentTokens agentTokens) {
        var timers = new ScheduledTimers();
        running.push(timers);
        AgentAccess agentAccess =
                conversation -> new AgentAccess.Grant(agentTokens.token(conversation), agentTokens.url(conversation));
        var registry = new CallRegistry(clock);
        var wakeup = new Wakeup();
        var recorder = new AttemptRecorder(new AttemptLifecycle(database, clock, ids), registry, wakeup, meters);
        running.push(recorder);
        var twilio = new TwilioProvider(
                config.telephony().twilioApiBase(),
                TwilioLimits.defaults(),
                (provider, attempt) -> callbackTokens.statusCallback(provider.wireName(), attempt),
                agentAccess,
                recorder,
                new AttemptStore(database)::ownedByOthers,
                clock,
                egress);
        running.push(twilio);
        var budgets = new ProviderRequestBudgets(database, clock);
        var exotel = new ExotelProvider(
                config.telephony().exotelApiBase(),
                ExotelLimits.withRequestsPerMinute(config.telephony().exotelRequestsPerMinute()),
                budgets::reserve,
                (provider, attempt) -> callbackTokens.statusCallback(provider.wireName(), attempt),
                recorder,
                new AttemptStore(database)::ownedByOthers,
                clock,
                egress);
        running.push(exotel);
        // One port range for every bridged call, SIP trunk and WhatsApp alike.
        var mediaPorts = new MediaPorts(config.media());
        io.micrometer.core.instrument.Gauge.builder("batchcall.media.bridges", mediaPorts, MediaPorts::bridgesOpen)
                .description("Calls whose audio this node bridges now (SIP trunk and WhatsApp)")
                .register(meters);
        var sip = SipTrunkProvider.start(
                config.sip(),
                timers,
                recorder,
                egress,
                phoneNumbers::sipTrunkAddresses,
                clock,
                agentAccess,
                mediaPorts);
        running.push(sip);
        var whatsapp = new WhatsAppProvider(
                config.whatsapp(),
                new WhatsAppPermissionStore(database),
                recorder,
                agentAccess,
                mediaPorts,
                egress,
                clock);
        running.push(whatsapp);
        Map<Provider, TelephonyProvider> providers = Map.of(
                Provider.SIMULATOR,
                        new SimulatorProvider(
                                config.simulator(), timers, recorder, new SplittableRandom(), agentAccess, egress),
                Provider.TWILIO, twilio,
                Provider.EXOTEL, exotel,
                Provider.SIP_TRUNK, sip,
                Provider.WHATSAPP, whatsapp);
        Function<PhoneNumber, Map<String, String>> credentials = number ->
                phoneNumbers.credentials(number.workspaceId(), number.id()).orElse(Map.of());
        var lease = config.dispatch().leaseTimeout();
        var notifications = new Notifications(database, clock);
        var dispatcher = new Dispatcher(
                new ClaimStore(
                        database, clock, ids, config.nodeId(), lease, new CallingWindowRules(new JollydayHolidays())),
                recorder,
                registry,
                providers,
                credentials,
                timers,
                clock,
                wakeup,
                meters);
        var leaseKeeper = new LeaseKeeper(
                new LeaseStore(database, clock, config.nodeId(), lease),
                registry,
                recorder,
                providers,
                agents,
                phoneNumbers,
                credentials,
                config.dispatch(),
                meters);
        notifications.onReconnect(dispatcher::resynchronise);
        notifications.on(Notifications.WAKE, payload -> dispatcher.wake());
        notifications.on(DeliveryStore.CHANNEL, payload -> webhookSender.wake());
        notifications.on(Notifications.CANCEL, payload -> {
            var parts = payload.split(":", 3);
            if (parts.length == 3) {
                dispatcher.batchStopped(parts[0], parts[1], parts[2].equals("deleted"));
            }
        });
        notifications.on(Notifications.CANCEL_RECIPIENT, payload -> {
            var parts = payload.split(":", 3);
            if (parts.length == 3) {
                dispatcher.recipientStopped(parts[0], parts[1], parts[2]);
            }
        });
        Gauge.builder("batchcall.calls.in.flight", registry, CallRegistry::size)
                .description("Calls this node is placing or tracking")
                .register(meters);
        running.push(notifications.start());
        running.push(leaseKeeper.start());
        running.push(new Housekeeping(idempotency, workspaces, new WindowExpiry(database, clock, ids), meters).start());
        running.push(new StaleCallSweep(registry, recorder, clock).start());
        running.push(new PostCallProducer(
                        new PostCallTranscriptions(database, clock, ids),
                        config.conversations().postCallReportWait())
                .start());
        running.push(dispatcher.start());
        running.push(webhookSender.start());
        Supplier<List<String>> problems = () -> Stream.of(
                        recorder.healthy() ? null : "the call-event writer is stopped or stuck",
                        dispatcher.healthy() ? null : "the dispatch loop is stopped or stuck")
                .filter(java.util.Objects::nonNull)
                .toList();
        return new Dispatching(twilio, exotel, registry, problems, whatsapp);
    }

    private Database openDatabase(Config config, PrometheusMeterRegistry meters) {
        var settings = config.database();
        if (settings.embedded()) {
            var embedded = EmbeddedPostgresServer.start(settings.dataDirectory());
            running.push(embedded);
            var database = Database.connect(embedded.jdbcUrl(), Optional.of(embedded.user()), Optional.empty(), meters);
            running.push(database);
            return database;
        }
        var database =
                Database.connect(settings.externalUrl().orElseThrow(), settings.user(), settings.password(), meters);
        running.push(database);
        return database;
    }

    public int port() {
        return server.port();
    }

    /** Every HTTP route this node serves, as "METHOD /path". */
    public List<String> routes() {
        return server.routes();
    }

    /** Stops everything in reverse order of start: HTTP first, so no request meets a closed pool. */
    @Override
    public synchronized void close() {
        while (!running.isEmpty()) {
            var component = running.pop();
            long started = System.nanoTime();
            try {
                component.close();
                long millis = (System.nanoTime() - started) / 1_000_000;
                if (millis > SLOW_STOP_MILLIS) {
                    log.info(
                            "Component stopped slowly component={} millis={}",
                            component.getClass().getSimpleName(),
                            millis);
                }
            } catch (Exception e) {
                log.warn(
                        "Component did not stop cleanly component={} error={}",
                        component.getClass().getSimpleName(),
                        e.toString());
            }
        }
        log.info("batchcall stopped");
    }
}
