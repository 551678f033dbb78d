package io.batchcall.dispatch;

import io.batchcall.config.DispatchConfig;
import io.batchcall.config.SimulatorConfig;
import io.batchcall.domain.ApiKeySecret;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.NewBatch;
import io.batchcall.domain.NewRecipient;
import io.batchcall.domain.Provider;
import io.batchcall.domain.TelephonyCallConfig;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.AgentStore;
import io.batchcall.store.AttemptLifecycle;
import io.batchcall.store.BatchStore;
import io.batchcall.store.ClaimStore;
import io.batchcall.store.CredentialCipher;
import io.batchcall.store.Database;
import io.batchcall.store.IdempotencyStore;
import io.batchcall.store.LeaseStore;
import io.batchcall.store.PhoneNumberStore;
import io.batchcall.store.WorkspaceStore;
import io.batchcall.support.ManualTimers;
import io.batchcall.support.MutableClock;
import io.batchcall.telephony.AgentAccess;
import io.batchcall.telephony.TelephonyProvider;
import io.batchcall.telephony.simulator.SimulatorProvider;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Function;
import org.jdbi.v3.core.Jdbi;

/**
 * One node's dispatch engine on a real database, driven by hand: a mutable clock, manual timers, the simulator,
 * {@code dispatchOnce()} and the lease keeper's passes. Two engines on one database are two nodes.
 */
final class Engine implements AutoCloseable {
    static final Duration LEASE = Duration.ofSeconds(30);

    final MutableClock clock;
    final ManualTimers timers;
    final Database database;
    final Jdbi jdbi;
    final CallRegistry registry;
    final SimulatorProvider simulator;
    final Dispatcher dispatcher;
    final LeaseKeeper leases;
    final BatchStore batches;
    final WorkspaceStore workspaces;
    final AgentStore agents;
    final PhoneNumberStore phoneNumbers;
    final AttemptRecorder recorder;
    /** This node's metrics, as /metrics would show them. */
    final SimpleMeterRegistry meters;
    /** How many of the dial gate's next reads fail as they do while the database is away. */
    final java.util.concurrent.atomic.AtomicInteger failingGateReads = new java.util.concurrent.atomic.AtomicInteger();

    private final IdSource ids = new IdSource(new Random(7));

    Engine(
            String databaseUrl,
            MutableClock clock,
            String nodeId,
            Function<AttemptRecorder, Map<Provider, TelephonyProvider>> extraProviders) {
        this(databaseUrl, clock, nodeId, extraProviders, io.batchcall.domain.CallingWindows.NONE);
    }

    /** An engine whose claims judge calling windows with {@code windows}. */
    Engine(
            String databaseUrl,
            MutableClock clock,
            String nodeId,
            Function<AttemptRecorder, Map<Provider, TelephonyProvider>> extraProviders,
            io.batchcall.domain.CallingWindows windows) {
        this.windows = windows;
        this.clock = clock;
        this.databaseUrl = databaseUrl;
        this.timers = new ManualTimers(clock);
        this.meters = new SimpleMeterRegistry();
        this.database = Database.connect(databaseUrl, Optional.of("postgres"), Optional.empty(), meters);
        this.jdbi = database.jdbi();
        var nodeIds = IdSource.secure();
        var cipher = new CredentialCipher(new byte[32]);
        this.workspaces = new WorkspaceStore(database, clock, nodeIds);
        this.agents = new AgentStore(database, clock, nodeIds);
        this.phoneNumbers = new PhoneNumberStore(database, clock, cipher, nodeIds);
        Function<io.batchcall.domain.PhoneNumber, Map<String, String>> credentials = number ->
                phoneNumbers.credentials(number.workspaceId(), number.id()).orElse(Map.of());
        this.registry = new CallRegistry(clock);
        var wakeup = new Wakeup();
        this.recorder = new AttemptRecorder(new AttemptLifecycle(database, clock, nodeIds), registry, wakeup, meters);
        this.simulator = new SimulatorProvider(
                new SimulatorConfig(Duration.ofSeconds(1), Duration.ofSeconds(2), 0, 0, 0, 0),
                timers,
                recorder,
                new Random(1),
                conversation ->
                        new AgentAccess.Grant("token", "/agent/v1/conversations/" + conversation.conversationId()),
                new io.batchcall.domain.EgressPolicy(true, io.batchcall.domain.EgressPolicy::systemResolve));
        var providers = new HashMap<Provider, TelephonyProvider>(Map.of(Provider.SIMULATOR, simulator));
        providers.putAll(extraProviders.apply(recorder));
        this.batches = new BatchStore(database, clock, nodeIds, new IdempotencyStore(database, clock), windows);
        var claims = new ClaimStore(database, clock, nodeIds, nodeId, LEASE, windows);
        this.dispatcher = new Dispatcher(
                claims,
                questions -> {
                    if (failingGateReads.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        throw new org.jdbi.v3.core.ConnectionException(
                                new java.sql.SQLTransientConnectionException("the database is away (a test's)"));
                    }
                    return claims.checks().dialGates(questions);
                },
                recorder,
                registry,
                providers,
                credentials,
                timers,
                clock,
                wakeup,
                meters);
        this.leases = new LeaseKeeper(
                new LeaseStore(database, clock, nodeId, LEASE),
                registry,
                recorder,
                providers,
                agents,
                phoneNumbers,
                credentials,
                new DispatchConfig(LEASE),
                meters);
    }

    final String databaseUrl;
    final io.batchcall.domain.CallingWindows windows;

    static Engine start(String databaseUrl) {
        return new Engine(
                databaseUrl, new MutableClock(Instant.parse("2026-11-29T10:00:00Z")), "node-a", recorder -> Map.of());
    }

    static Engine start(String databaseUrl, io.batchcall.domain.CallingWindows windows) {
        return new Engine(
                databaseUrl,
                new MutableClock(Instant.parse("2026-11-29T10:00:00Z")),
                "node-a",
                recorder -> Map.of(),
                windows);
    }

    /** An agent whose calls connect to a media stream (Twilio calls need one). */
    String agentWithMediaStream(WorkspaceId workspace) {
        return agents.create(
                        workspace,
                        new AgentStore.NewAgent(
                                "agent",
                                "{}",
                                "[]",
                                Optional.empty(),
                                Optional.of("wss://agent.example.test/media"),
                                Optional.empty()),
                        Optional.empty())
                .id();
    }

    /** A Twilio number with an account SID and auth token. */
    String twilioNumber(WorkspaceId workspace, String sid, String token, String cps) {
        return phoneNumbers
                .create(
                        workspace,
                        new PhoneNumberStore.NewPhoneNumber(
                                Provider.TWILIO,
                                "+14155550100",
                                "twilio",
                                Optional.empty(),
                                "{\"sid\":\"" + sid + "\"}",
                                Map.of("token", token),
                                new BigDecimal(cps),
                                false,
                                true))
                .id();
    }

    /** A second node on the same database and clock. */
    Engine secondNode(String nodeId) {
        return new Engine(databaseUrl, clock, nodeId, recorder -> Map.of(), windows);
    }

    WorkspaceId workspace(int concurrencyLimit) {
        return workspaces
                .createWithApiKey("ws", concurrencyLimit, ApiKeySecret.generate(ids))
                .workspace()
                .id();
    }

    String agent(WorkspaceId workspace, Optional<Integer> concurrencyLimit) {
        return agents.create(
                        workspace,
                        new AgentStore.NewAgent(
                                "agent", "{}", "[]", concurrencyLimit, Optional.empty(), Optional.empty()),
                        Optional.empty())
                .id();
    }

    String number(WorkspaceId workspace, Provider provider, String cps) {
        return phoneNumbers
                .create(
                        workspace,
                        new PhoneNumberStore.NewPhoneNumber(
                                provider,
                                "+14155550100",
                                "n",
                                Optional.empty(),
                                "{}",
                                Map.of(),
                                new BigDecimal(cps),
                                false,
                                true))
                .id();
    }

    /** Submits a batch whose recipients carry the given dynamic variables (JSON object bodies), one each. */
    String submit(
            WorkspaceId workspace,
            String agentId,
            String numberId,
            Optional<Integer> target,
            Instant scheduledAt,
            List<String> variables) {
        var recipients = new ArrayList<NewRecipient>();
        for (int i = 0; i < variables.size(); i++) {
            recipients.add(new NewRecipient(
                    "r" + i,
                    Optional.of("+1415555%04d".formatted(i)),
                    Optional.empty(),
                    Optional.of("{\"dynamic_variables\":" + variables.get(i) + "}")));
        }
        var batch = new NewBatch(
                "batch",
                agentId,
                Optional.empty(),
                Optional.of(numberId),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                new TelephonyCallConfig(30, false, Optional.empty()),
                target,
                scheduledAt,
                recipients);
        var result = batches.submit(workspace, batch, Optional.empty());
        return ((io.batchcall.store.Idempotent.Done<io.batchcall.domain.BatchSummary>) result)
                .value()
                .batch()
                .id();
    }

    static List<String> calls(int count, String variables) {
        return java.util.Collections.nCopies(count, variables);
    }

    /**
     * Passes until nothing more can be claimed or moved, advancing time in steps; fails, saying what is still
     * going on, when that takes more than {@code maxSteps} (a test that went on asserting would report a symptom
     * instead of the cause). {@link #runSteps} runs a fixed number of steps for tests that stop mid-way.
     */
    void runUntilIdle(Duration step, int maxSteps) {
        for (int i = 0; i < maxSteps; i++) {
            if (pass()) {
                return;
            }
            timers.advance(step);
            settle();
        }
        throw new AssertionError("the engine is not idle after " + maxSteps + " steps of " + step + ": "
                + registry.size() + " calls in flight, " + timers.pending() + " timers pending");
    }

    /** Runs exactly {@code steps} passes, advancing time by {@code step} after each, idle or not. */
    void runSteps(Duration step, int steps) {
        for (int i = 0; i < steps; i++) {
            pass();
            timers.advance(step);
            settle();
        }
    }

    /**
     * Waits until every call report queued so far is stored: the simulator queues its answers without waiting (as
     * a carrier's call goes on), so a step's answers may still be on their way to the database when it returns.
     */
    void settle() {
        io.batchcall.support.Await.until(
                Duration.ofSeconds(10), "the queued call reports to be stored", () -> recorder.depth() == 0);
    }

    /** One pass: claim and dial, fire due timers; true when nothing is left to claim, run or wait for. */
    private boolean pass() {
        dispatcher.dispatchOnce();
        timers.runDue();
        settle();
        return registry.size() == 0 && dispatcher.dispatchOnce() == 0 && timers.pending() == 0;
    }

    <T> T one(String sql, Class<T> type, Object... params) {
        return jdbi.withHandle(handle -> {
            var query = handle.createQuery(sql);
            for (int i = 0; i < params.length; i += 2) {
                query.bind((String) params[i], params[i + 1]);
            }
            return query.mapTo(type).one();
        });
    }

    <T> List<T> list(String sql, Class<T> type, Object... params) {
        return jdbi.withHandle(handle -> {
            var query = handle.createQuery(sql);
            for (int i = 0; i < params.length; i += 2) {
                query.bind((String) params[i], params[i + 1]);
            }
            return query.mapTo(type).list();
        });
    }

    String batchStatus(String batchId) {
        return one("SELECT status FROM batches WHERE id = :id", String.class, "id", batchId);
    }

    @Override
    public void close() {
        recorder.close();
        database.close();
    }
}
