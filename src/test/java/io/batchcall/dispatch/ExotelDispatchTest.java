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
    private static final ExotelLimits FAST = new ExotelLimits(Duration.ofSeconds(5), 60_000, 3, Duration.ofSeconds(1));

    private static FakeExotel exotel;
    private final List<ExotelProvider> providers = new ArrayList<>();
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
        engine = new Engine(TestDatabase.freshDatabaseUrl(), clock, "node-a", recorder -> {
            var provider = new ExotelProvider(Optional.of(exotel.baseUrl()), FAST,
                    (kind, account, spacing) -> new ProviderRequestBudgets(engines().database, clock)
                            .reserve(kind, account, spacing),
                    (kind, attempt) -> Optional.of("https://batchcall.example.test/callbacks/exotel/"
                            + attempt.attemptId()), recorder,
                    (attempt, kind, sids) -> new AttemptStore(engines().database).ownedByOthers(attempt, kind, sids),
                    clock, new EgressPolicy(true, EgressPolicy::systemResolve));
            providers.add(provider);
            return Map.<Provider, TelephonyProvider>of(Provider.EXOTEL, provider);
        });
        workspace = engine.workspace(20);
        agent = engine.agentWithMediaStream(workspace);
        number = engine.phoneNumbers.create(workspace, new PhoneNumberStore.NewPhoneNumber(Provider.EXOTEL,
                "+918047112233", "exotel", Optional.empty(), "{\"account_sid\":\"" + FakeExotel.ACCOUNT + "\","
                + "\"api_subdomain\":\"api.in.exotel.com\",\"app_id\":\"4242\",\"applet_url\":null}",
                Map.of("api_key", FakeExotel.API_KEY, "api_token", FakeExotel.API_TOKEN), new BigDecimal("3"), false,
                true)).id();
    }

    private Engine engines() {
        return engine;
    }

    @AfterEach
    void stop() {
        providers.forEach(ExotelProvider::close);
        engine.close();
    }

    private String submit(int recipients) {
        return engine.submit(workspace, agent, number, Optional.of(10), clock.instant(),
                Engine.calls(recipients, "{}"));
    }

    private String attemptValue(String column, String batch) {
        return engine.one("SELECT coalesce((SELECT " + column + "::text FROM attempts WHERE batch_id = :b), '-')",
                String.class, "b", batch);
    }

    @Test
    void a_503_on_connect_is_sent_once_and_a_call_exotel_cannot_find_ends_interrupted_and_is_never_dialed_again() {
        exotel.refuseConnects(503, "Service Unavailable", null);
        exotel.listCalls("2026-11-29 15:30:00");
        var batch = submit(1);

        engine.runUntilIdle(Duration.ofMillis(100), 50);

        assertThat(exotel.connects()).hasSize(1);
        assertThat(exotel.requests().stream().filter(r -> r.method().equals("GET"))).hasSize(1);
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
        assertThat(engine.one("SELECT phone_call->>'type' FROM conversations WHERE batch_id = :b", String.class,
                "b", batch)).isEqualTo("exotel");
    }
}
