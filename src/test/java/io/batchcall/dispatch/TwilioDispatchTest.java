package io.batchcall.dispatch;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.EgressPolicy;
import io.batchcall.domain.Provider;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.AttemptStore;
import io.batchcall.support.FakeTwilio;
import io.batchcall.support.MutableClock;
import io.batchcall.support.TestDatabase;
import io.batchcall.telephony.AgentAccess;
import io.batchcall.telephony.TelephonyProvider;
import io.batchcall.telephony.twilio.TwilioLimits;
import io.batchcall.telephony.twilio.TwilioProvider;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The dispatcher with the real Twilio provider against WireMock, one pass at a time on a mutable clock: pacing
 * across nodes, a create whose answer is lost, and calls whose end was never reported.
 */
class TwilioDispatchTest {
    private static final TwilioLimits FAST = new TwilioLimits(Duration.ofSeconds(2), Duration.ofMillis(10), 3);

    private static FakeTwilio twilio;
    private final List<Engine> engines = new ArrayList<>();
    private final List<TwilioProvider> providers = new ArrayList<>();
    private String databaseUrl;
    private MutableClock clock;
    private Engine engine;
    private WorkspaceId workspace;
    private String agent;

    @BeforeAll
    static void startFake() {
        twilio = new FakeTwilio();
    }

    @AfterAll
    static void stopFake() {
        twilio.close();
    }

    @BeforeEach
    void start() {
        twilio.acceptCalls();
        databaseUrl = TestDatabase.freshDatabaseUrl();
        clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
        engine = node("node-a");
        workspace = engine.workspace(20);
        agent = engine.agentWithMediaStream(workspace);
    }

    @AfterEach
    void stop() {
        providers.forEach(TwilioProvider::close);
        engines.forEach(Engine::close);
    }

    private Engine node(String nodeId) {
        var node = new Engine(databaseUrl, clock, nodeId, recorder -> {
            var provider = new TwilioProvider(
                    twilio.baseUrl(),
                    FAST,
                    (kind, attempt) ->
                            Optional.of("https://batchcall.example.test/callbacks/twilio/" + attempt.attemptId()),
                    conversation -> new AgentAccess.Grant(
                            "token-" + conversation.conversationId(),
                            "https://batchcall.example.test/agent/v1/conversations/" + conversation.conversationId()),
                    recorder,
                    // The store as App wires it; engines exist by the time a look-up asks.
                    (attempt, kind, sids) ->
                            new AttemptStore(engines.getFirst().database).ownedByOthers(attempt, kind, sids),
                    clock,
                    new EgressPolicy(true, EgressPolicy::systemResolve));
            providers.add(provider);
            return Map.<Provider, TelephonyProvider>of(Provider.TWILIO, provider);
        });
        engines.add(node);
        return node;
    }

    private String submit(String number, int recipients) {
        return engine.submit(
                workspace, agent, number, Optional.of(10), clock.instant(), Engine.calls(recipients, "{}"));
    }

    private String attemptValue(String column, String batch) {
        // '-' when the attempt has no such value, or is not claimed yet.
        return engine.one(
                "SELECT coalesce((SELECT " + column + "::text FROM attempts WHERE batch_id = :b), '-')",
                String.class,
                "b",
                batch);
    }

    @Test
    void two_nodes_dial_one_number_at_no_more_than_one_call_a_second_between_them() {
        var second = node("node-b");
        var number = engine.twilioNumber(workspace, FakeTwilio.ACCOUNT, FakeTwilio.AUTH_TOKEN, "1");
        var batch = submit(number, 6);

        for (int step = 0; step < 40 && twilio.creates().size() < 6; step++) {
            // The node holding fewer calls claims first, so that both win slots and contend for each.
            var first = engine.registry.size() <= second.registry.size() ? engine : second;
            var other = first == engine ? second : engine;
            first.dispatcher.dispatchOnce();
            other.dispatcher.dispatchOnce();
            engine.timers.runDue();
            second.timers.runDue();
            clock.advance(Duration.ofMillis(250));
        }

        assertThat(twilio.creates()).hasSize(6);
        assertThat(engine.list("SELECT DISTINCT node_id FROM attempts WHERE batch_id = :b", String.class, "b", batch))
                .containsExactlyInAnyOrder("node-a", "node-b");
        var slots = engine.list(
                "SELECT dial_at FROM attempts WHERE batch_id = :b ORDER BY dial_at", Instant.class, "b", batch);
        for (int i = 1; i < slots.size(); i++) {
            assertThat(Duration.between(slots.get(i - 1), slots.get(i))).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        }
        assertThat(engine.one(
                        "SELECT count(*) FROM attempts WHERE batch_id = :b AND dialed_at < dial_at",
                        Integer.class,
                        "b",
                        batch))
                .isZero();
    }

    @Test
    void a_503_on_create_is_looked_up_once_and_a_call_twilio_has_is_tracked_not_dialed_again() {
        var number = engine.twilioNumber(workspace, FakeTwilio.ACCOUNT, FakeTwilio.AUTH_TOKEN, "1");
        twilio.refuseCreates(503, 20500, "Service Unavailable");
        twilio.stub(
                get(urlPathEqualTo(FakeTwilio.CALLS))
                        .willReturn(
                                FakeTwilio.json(
                                        200,
                                        "{\"calls\":[{\"sid\":"
                                                + "\"CAfound\",\"status\":\"ringing\",\"date_created\":\"Sun, 29 Nov 2026 10:00:00 +0000\"}]}")));
        var batch = submit(number, 1);

        // The call found goes on ringing: the engine stops with it in flight.
        engine.runSteps(Duration.ofMillis(100), 20);

        assertThat(twilio.creates()).hasSize(1);
        assertThat(twilio.requests().stream().filter(r -> r.method().equals("GET")))
                .hasSize(1);
        assertThat(attemptValue("provider_call_id", batch)).isEqualTo("CAfound");
        assertThat(attemptValue("phase", batch)).isEqualTo("ringing");
    }

    @Test
    void a_503_on_create_that_the_look_up_cannot_find_ends_interrupted_and_is_never_dialed_again() {
        var number = engine.twilioNumber(workspace, FakeTwilio.ACCOUNT, FakeTwilio.AUTH_TOKEN, "1");
        twilio.refuseCreates(503, 20500, "Service Unavailable");
        twilio.stub(get(urlPathEqualTo(FakeTwilio.CALLS)).willReturn(FakeTwilio.json(200, "{\"calls\":[]}")));
        var batch = submit(number, 1);

        engine.runUntilIdle(Duration.ofMillis(100), 50);

        assertThat(twilio.creates()).hasSize(1);
        assertThat(attemptValue("outcome", batch)).isEqualTo("interrupted");
        assertThat(attemptValue("failure_reason", batch)).contains("503", "no such call");
        assertThat(engine.batchStatus(batch)).isEqualTo("completed");
    }

    @Test
    void a_look_up_after_a_lost_answer_follows_the_listed_call_that_no_other_attempt_owns() {
        var number = engine.twilioNumber(workspace, FakeTwilio.ACCOUNT, FakeTwilio.AUTH_TOKEN, "1");
        var earlier = placeOneCallAs("CAearlier", number);
        twilio.refuseCreates(503, 20500, "Service Unavailable");
        listCalls("CAearlier", "CAmine");

        // Another node looks up: only the attempts table, not its memory, can tell it CAearlier is taken.
        var second = node("node-b");
        var batch = submit(number, 1);
        passUntil(
                second,
                () -> !attemptValue("provider_call_id", batch).equals("-")
                        || !attemptValue("outcome", batch).equals("-"));

        assertThat(twilio.creates()).hasSize(1);
        assertThat(attemptValue("provider_call_id", batch)).isEqualTo("CAmine");
        assertThat(attemptValue("phase", batch)).isEqualTo("ringing");
        assertThat(attemptValue("provider_call_id", earlier)).isEqualTo("CAearlier");
    }

    @Test
    void a_look_up_that_lists_only_another_attempts_call_ends_interrupted_and_dials_nothing_again() {
        var number = engine.twilioNumber(workspace, FakeTwilio.ACCOUNT, FakeTwilio.AUTH_TOKEN, "1");
        var earlier = placeOneCallAs("CAearlier", number);
        // Twilio never created this attempt's call: the only one listed is the earlier attempt's.
        twilio.refuseCreates(503, 20500, "Service Unavailable");
        listCalls("CAearlier");

        var second = node("node-b");
        var batch = submit(number, 1);
        passUntil(second, () -> !attemptValue("outcome", batch).equals("-"));
        for (int i = 0; i < 8; i++) {
            pass(second);
            pass(engine);
        }

        assertThat(twilio.creates()).hasSize(1);
        assertThat(attemptValue("outcome", batch)).isEqualTo("interrupted");
        assertThat(attemptValue("failure_reason", batch)).contains("503", "placed by another attempt");
        assertThat(attemptValue("provider_call_id", batch)).isEqualTo("-");
        assertThat(engine.batchStatus(batch)).isEqualTo("completed");
        assertThat(attemptValue("phase", earlier)).isEqualTo("ringing");
    }

    /** A one-recipient batch whose create Twilio answers with {@code sid}; returns once the SID is recorded. */
    private String placeOneCallAs(String sid, String number) {
        twilio.acceptCalls();
        twilio.stub(post(urlPathEqualTo(FakeTwilio.CALLS))
                .willReturn(FakeTwilio.json(201, "{\"sid\":\"" + sid + "\",\"status\":\"queued\"}")));
        var batch = submit(number, 1);
        passUntil(engine, () -> attemptValue("provider_call_id", batch).equals(sid));
        return batch;
    }

    /** Twilio's Calls list answering with these SIDs, ringing, created at the test's start. */
    private static void listCalls(String... sids) {
        var calls = java.util.Arrays.stream(sids)
                .map(sid -> "{\"sid\":\"" + sid + "\",\"status\":\"ringing\","
                        + "\"date_created\":\"Sun, 29 Nov 2026 10:00:00 +0000\"}")
                .collect(Collectors.joining(","));
        twilio.stub(
                get(urlPathEqualTo(FakeTwilio.CALLS)).willReturn(FakeTwilio.json(200, "{\"calls\":[" + calls + "]}")));
    }

    private void pass(Engine node) {
        node.dispatcher.dispatchOnce();
        node.timers.runDue();
        clock.advance(Duration.ofMillis(250));
    }

    private void passUntil(Engine node, BooleanSupplier done) {
        for (int step = 0; step < 40 && !done.getAsBoolean(); step++) {
            pass(node);
        }
        assertThat(done.getAsBoolean()).as("done within 40 passes").isTrue();
    }

    @Test
    void a_call_whose_end_was_never_reported_is_fetched_once_overdue_and_ended_as_twilio_says() {
        var number = engine.twilioNumber(workspace, FakeTwilio.ACCOUNT, FakeTwilio.AUTH_TOKEN, "1");
        var batch = submit(number, 1);
        var sweep = new StaleCallSweep(engine.registry, engine.recorder, clock);
        engine.dispatcher.dispatchOnce();
        engine.timers.runDue();
        var sid = twilio.creates().getFirst().sid();
        twilio.callIs(sid, "in-progress", "human");

        clock.advance(Duration.ofSeconds(30).plus(StaleCallSweep.RING_GRACE).minusSeconds(1));
        assertThat(sweep.sweepOnce()).isZero();
        clock.advance(Duration.ofSeconds(2));
        assertThat(sweep.sweepOnce()).isEqualTo(1);
        assertThat(attemptValue("phase", batch)).isEqualTo("answered");

        twilio.callIs(sid, "completed", null);
        clock.advance(StaleCallSweep.ANSWERED_RECHECK);
        assertThat(sweep.sweepOnce()).isEqualTo(1);

        assertThat(attemptValue("outcome", batch)).isEqualTo("completed");
        assertThat(attemptValue("provider_status", batch)).isEqualTo("completed");
        assertThat(engine.registry.size()).isZero();
        assertThat(engine.batchStatus(batch)).isEqualTo("completed");
    }
}
