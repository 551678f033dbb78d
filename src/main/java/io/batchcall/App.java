package io.batchcall;

import io.batchcall.api.AgentTokens;
import io.batchcall.api.ApiErrors;
import io.batchcall.api.ApiServer;
import io.batchcall.api.CallbackTokens;
import io.batchcall.api.RouteGroup;
import io.batchcall.api.WhatsAppHandOff;
import io.batchcall.config.Config;
import io.batchcall.config.ConfigException;
import io.batchcall.config.Settings;
import io.batchcall.domain.EgressPolicy;
import io.batchcall.domain.IdSource;
import io.batchcall.store.CredentialCipher;
import io.batchcall.store.Database;
import io.batchcall.store.EmbeddedPostgresServer;
import io.batchcall.store.WhatsAppInbox;
import io.batchcall.telephony.whatsapp.WhatsAppEvents;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
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
        App app;
        try {
            app = start(config, Clock.systemUTC(), System.out, List.of());
        } catch (RuntimeException e) {
            // start has stopped what it started, but a thread a library left behind could keep the JVM alive: a
            // node that cannot serve must exit, so that whatever supervises it sees the failure and restarts it.
            System.err.println("batchcall cannot start: " + startFailure(e));
            e.printStackTrace();
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(app::close, "batchcall-shutdown"));
    }

    /** The failure's own message, or its cause's (a port in use is a bind exception under Javalin's). */
    private static String startFailure(RuntimeException e) {
        return e.getMessage() != null ? e.getMessage() : String.valueOf(e.getCause());
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
        // Each area's wiring pushes what it starts on `running`, so close() stops them in reverse order.
        var meters = NodeMeters.create(config, running);

        var database = openDatabase(config, meters);
        var ids = IdSource.secure(clock);
        // Created now so that a missing or unreadable key stops the start, not the first call that needs it.
        var cipher = CredentialCipher.fromConfiguredOrStoredKey(
                config.security().secretKey(), config.database().dataDirectory());
        var stores = Stores.create(database, clock, ids, cipher);
        new FirstStart(stores.workspaces(), stores.keys(), stores.agents(), stores.phoneNumbers(), ids, console)
                .ensureDefaultWorkspace(
                        config.security().apiKey(), config.database().embedded());
        if (config.telephony().publicUrl().isEmpty()) {
            log.info("BATCHCALL_PUBLIC_URL is not set: batches on Twilio and Exotel numbers fail until it is");
        }
        var callbackTokens = new CallbackTokens(
                cipher.derivedKey("callback tokens"), config.telephony().publicUrl());
        // Where workspaces may make us send traffic: checked when agents, numbers and webhooks are saved, at each
        // dial, and before each webhook delivery.
        var agentTokens = new AgentTokens(
                cipher.derivedKey("agent tokens"), config.telephony().publicUrl());
        var egress = new EgressPolicy(config.egress().allowPrivateNetworks(), EgressPolicy::systemResolve);
        var webhooks = WebhookDelivery.create(config, database, clock, cipher, ids, egress, meters);
        var dispatching = Dispatching.start(
                running,
                config,
                clock,
                database,
                ids,
                meters,
                stores,
                callbackTokens,
                egress,
                webhooks.sender(),
                agentTokens);

        // What Meta reports goes to this node's WhatsApp provider (tests may listen instead).
        var whatsAppHandOff = new WhatsAppHandOff(
                new WhatsAppInbox(database, clock),
                whatsAppEvents.orElse(dispatching.whatsapp().events()),
                clock,
                WHATSAPP_INBOX_DRAIN);
        running.push(whatsAppHandOff);
        var routes = HttpRoutes.of(
                config,
                clock,
                database,
                ids,
                meters,
                stores,
                webhooks,
                dispatching,
                callbackTokens,
                agentTokens,
                egress,
                whatsAppHandOff,
                extraRoutes);
        server = new ApiServer(config.http(), config.requestLimits(), new ApiErrors(), routes, meters).start();
        running.push(server);
        log.info("batchcall started nodeId={} port={}", config.nodeId(), server.port());
    }

    private Database openDatabase(Config config, PrometheusMeterRegistry meters) {
        var settings = config.database();
        if (settings.embedded()) {
            var embedded = EmbeddedPostgresServer.start(settings.dataDirectory(), settings.statementStats());
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
