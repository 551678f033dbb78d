package io.batchcall.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.EgressPolicy;
import io.batchcall.domain.Provider;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.AttemptStore;
import io.batchcall.store.PhoneNumberStore;
import io.batchcall.store.ProviderRequestBudgets;
import io.batchcall.support.FakeExotel;
import io.batchcall.support.MutableClock;
import io.batchcall.support.TestDatabase;
import io.batchcall.telephony.TelephonyProvider;
import io.batchcall.telephony.exotel.ExotelLimits;
import io.batchcall.telephony.exotel.ExotelProvider;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The dispatcher with the real Exotel provider and the real account pace (in the database) against WireMock, one
 * pass at a time on a mutable clock: a connect whose answer is lost, and a call whose terminal callback never came.
 */
class ExotelDispatchTest {
    /** A pace far above what one test sends, so that no pass waits on it. */
    private static final ExotelLimits FAST =
            new ExotelLimits(Duration.ofSeconds(5), 60_000, Duration.ofSeconds(10), 3, Duration.ofSeconds(1));
    /**
     * One request a second per account, and no dial waits for a slot: a dial whose slot is not free now is deferred,
     * so that passes on the mutable clock decide every dial and no test sleeps.
     */
    private static final ExotelLimits ONE_A_SECOND =
            new ExotelLimits(Duration.ofSeconds(5), 60, Duration.ZERO, 3, Duration.ofSeconds(1));

    private static FakeExotel exotel;
    private final List<ExotelProvider> providers = new ArrayList<>();
    private final List<Engine> engines = new ArrayList<>();
    private String databaseUrl;
    private MutableClock clock;
    private Engine engine;
    private WorkspaceId workspace;
    private String agent;
    private String number;

    @BeforeAll
    static void startFake() {
        exotel = new FakeExotel();
    }

    @AfterAll
    static void stopFake() {
        exotel.close();
    }

    @BeforeEach
    void start() {
        exotel.acceptCalls();
        clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
        databaseUrl = TestDatabase.freshDatabaseUrl();
        engine = node("node-a", FAST);
        workspace = engine.workspace(20);
        agent = engine.agentWithMediaStream(workspace);
        number = exotelNumber("+918047112233", "3");
    }

    /** A node with the real Exotel provider, its account pace kept in the shared database. */
    private Engine node(String nodeId, ExotelLimits limits) {
        var node = new Engine(databaseUrl, clock, nodeId, recorder -> {
            var provider = new ExotelProvider(
                    Optional.of(exotel.baseUrl()),
                    limits,
                    (kind, account, spacing, within) -> new ProviderRequestBudgets(engines.getFirst().database, clock)
                            .reserve(kind, account, spacing, within),
                    (kind, attempt) ->
                            Optional.of("https://batchcall.example.test/callbacks/exotel/" + attempt.attemptId()),
                    recorder,
                    (attempt, kind, sids) ->
                            new AttemptStore(engines.getFirst().database).ownedByOthers(attempt, kind, sids),
                    clock,
                    new EgressPolicy(true, EgressPolicy::systemResolve));
            providers.add(provider);
            return Map.<Provider, TelephonyProvider>of(Provider.EXOTEL, provider);
        });
        engines.add(node);
        return node;
    }

    private String exotelNumber(String exophone, String cps) {
        return engine.phoneNumbers
                .create(
                        workspace,
                        new PhoneNumberStore.NewPhoneNumber(
                                Provider.EXOTEL,
                                exophone,
                                "exotel",
                                Optional.empty(),
                                "{\"account_sid\":\"" + FakeExotel.ACCOUNT + "\","
                                        + "\"api_subdomain\":\"api.in.exotel.com\",\"app_id\":\"4242\",\"applet_url\":null}",
                                Map.of("api_key", FakeExotel.API_KEY, "api_token", FakeExotel.API_TOKEN),
                                new BigDecimal(cps),
                                false,
                                true))
                .id();
    }

    @AfterEach
    void stop() {
        providers.forEach(ExotelProvider::close);
        engines.forEach(Engine::close);
    }

    private String submit(int recipients) {
        return submit(number, recipients);
    }

    private String submit(String from, int recipients) {
        return engine.submit(workspace, agent, from, Optional.of(10), clock.instant(), Engine.calls(recipients, "{}"));
    }

    private String attemptValue(String column, String batch) {
        return engine.one(
                "SELECT coalesce((SELECT " + column + "::text FROM attempts WHERE batch_id = :b), '-')",
                String.class,
                "b",
                batch);
    }

    @Test
    void a_503_on_connect_is_sent_once_and_a_call_exotel_cannot_find_ends_interrupted_and_is_never_dialed_again() {
        exotel.refuseConnects(503, "Service Unavailable", null);
        exotel.listCalls("2026-11-29 15:30:00");
        var batch = submit(1);

        engine.runUntilIdle(Duration.ofMillis(100), 50);

        assertThat(exotel.connects()).hasSize(1);
        assertThat(exotel.requests().stream().filter(r -> r.method().equals("GET")))
                .hasSize(1);
        assertThat(attemptValue("outcome", batch)).isEqualTo("interrupted");
        assertThat(attemptValue("failure_reason", batch)).contains("503", "no such call");
        assertThat(engine.batchStatus(batch)).isEqualTo("completed");
    }

    @Test
    void a_call_whose_terminal_callback_was_lost_is_reconciled_through_call_details_after_its_ringing_timeout() {
        var batch = submit(1);
        var sweep = new StaleCallSweep(engine.registry, engine.recorder, clock);
        engine.dispatcher.dispatchOnce();
        engine.timers.runDue();
        var sid = exotel.connects().getFirst().sid();
        assertThat(sid).startsWith("exo-att");
        exotel.callIs(sid, "no-answer", null);

        clock.advance(Duration.ofSeconds(30).plus(StaleCallSweep.RING_GRACE).minusSeconds(1));
        assertThat(sweep.sweepOnce()).isZero();
        clock.advance(Duration.ofSeconds(2));
        assertThat(sweep.sweepOnce()).isEqualTo(1);

        assertThat(exotel.requests().getLast().path()).isEqualTo(FakeExotel.CALLS + "/" + sid + ".json");
        assertThat(attemptValue("outcome", batch)).isEqualTo("no_answer");
        assertThat(attemptValue("provider_status", batch)).isEqualTo("no-answer");
        assertThat(engine.batchStatus(batch)).isEqualTo("completed");
        assertThat(engine.one(
                        "SELECT phone_call->>'type' FROM conversations WHERE batch_id = :b", String.class, "b", batch))
                .isEqualTo("exotel");
    }

    @Test
    void two_nodes_dialing_from_two_numbers_of_one_account_never_send_it_more_than_its_pace() {
        // Each number may start 10 calls a second; the account takes one request a second from both together.
        var first = node("node-b", ONE_A_SECOND);
        var second = node("node-c", ONE_A_SECOND);
        // Each node claims one batch, so that both dial the one account.
        var batchOnB = submit(exotelNumber("+918047112244", "10"), 4);
        first.dispatcher.dispatchOnce();
        var batchOnC = submit(exotelNumber("+918047112255", "10"), 4);
        second.dispatcher.dispatchOnce();
        var batches = List.of(batchOnB, batchOnC);

        for (int step = 0; step < 80 && exotel.connects().size() < 8; step++) {
            var order = step % 2 == 0 ? List.of(first, second) : List.of(second, first);
            order.forEach(node -> node.dispatcher.dispatchOnce());
            order.forEach(node -> node.timers.runDue());
            clock.advance(Duration.ofMillis(250));
        }

        assertThat(exotel.connects()).hasSize(8);
        // Both batches call the same four customers, each from its own ExoPhone: every pair is dialed once.
        assertThat(exotel.connects().stream()
                        .map(c -> c.field("CallerId") + ">" + c.field("From"))
                        .distinct())
                .hasSize(8);
        var dialed = engine.list(
                "SELECT dialed_at FROM attempts WHERE batch_id IN (:a, :b) ORDER BY dialed_at",
                Instant.class,
                "a",
                batches.get(0),
                "b",
                batches.get(1));
        assertThat(dialed).hasSize(8);
        for (int i = 1; i < dialed.size(); i++) {
            assertThat(Duration.between(dialed.get(i - 1), dialed.get(i)))
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        }
        assertThat(engine.list(
                        "SELECT DISTINCT node_id FROM attempts WHERE batch_id IN (:a, :b)",
                        String.class,
                        "a",
                        batches.get(0),
                        "b",
                        batches.get(1)))
                .containsExactlyInAnyOrder("node-b", "node-c");
    }
}
