package io.batchcall.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.batchcall.config.MediaConfig;
import io.batchcall.config.WhatsAppConfig;
import io.batchcall.domain.EgressPolicy;
import io.batchcall.domain.NewBatch;
import io.batchcall.domain.NewRecipient;
import io.batchcall.domain.Provider;
import io.batchcall.domain.TelephonyCallConfig;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.AgentStore;
import io.batchcall.store.Database;
import io.batchcall.store.PhoneNumberStore;
import io.batchcall.store.WhatsAppPermissionStore;
import io.batchcall.support.Await;
import io.batchcall.support.FakeGraph;
import io.batchcall.support.MutableClock;
import io.batchcall.support.TestDatabase;
import io.batchcall.telephony.AgentAccess;
import io.batchcall.telephony.TelephonyProvider;
import io.batchcall.telephony.media.MediaPorts;
import io.batchcall.telephony.media.RtpPacket;
import io.batchcall.telephony.media.SrtpContext;
import io.batchcall.telephony.media.SrtpKeys;
import io.batchcall.telephony.media.TelephoneEvent;
import io.batchcall.telephony.whatsapp.WhatsAppEvent;
import io.batchcall.telephony.whatsapp.WhatsAppProvider;
import io.javalin.Javalin;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The dispatcher with the real WhatsApp provider against a WireMock Graph API, the real store and the real media
 * bridge, one pass at a time on a mutable clock. Meta's webhooks are played by handing events to the provider's
 * handler, as the webhook endpoint does once their signature checked out.
 */
class WhatsAppDispatchTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration BOUND = Duration.ofSeconds(10);
    private static final String USER = "4915112345678";
    private static final String TEMPLATE = "call_permission_v1";
    private static FakeGraph graph;

    private final List<Database> databases = new ArrayList<>();
    private MutableClock clock;
    private Engine engine;
    private WhatsAppProvider provider;
    private WorkspaceId workspace;
    private FakeAgent agent;
    private String agentId;
    /** Runs as the provider records a permission request, after the template went out (a reply racing it). */
    private Runnable beforeRequestRecorded = () -> {};

    @BeforeAll
    static void startFake() {
        graph = new FakeGraph();
    }

    @AfterAll
    static void stopFake() {
        graph.close();
    }

    @BeforeEach
    void start() {
        graph.reset();
        clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
        var databaseUrl = TestDatabase.freshDatabaseUrl();
        var database =
                Database.connect(databaseUrl, Optional.of("postgres"), Optional.empty(), new SimpleMeterRegistry());
        databases.add(database);
        engine = new Engine(databaseUrl, clock, "node-a", recorder -> {
            provider = new WhatsAppProvider(
                    new WhatsAppConfig(graph.baseUrl(), FakeGraph.VERSION, Duration.ofDays(7)),
                    new RacingPermissions(new WhatsAppPermissionStore(database)),
                    recorder,
                    conversation -> new AgentAccess.Grant("agent-token", "/agent/v1/" + conversation.conversationId()),
                    new MediaPorts(new MediaConfig("127.0.0.1", 43_000, 43_999, 5, BOUND)),
                    new EgressPolicy(true, EgressPolicy::systemResolve),
                    clock);
            return Map.<Provider, TelephonyProvider>of(Provider.WHATSAPP, provider);
        });
        workspace = engine.workspace(10);
        agent = new FakeAgent();
        agentId = engine.agents
                .create(
                        workspace,
                        new AgentStore.NewAgent(
                                "agent", "{}", "[]", Optional.empty(), Optional.of(agent.url()), Optional.empty()),
                        Optional.empty())
                .id();
        var number = engine.phoneNumbers
                .create(
                        workspace,
                        new PhoneNumberStore.NewPhoneNumber(
                                Provider.WHATSAPP,
                                "+4930123456",
                                "support line",
                                Optional.empty(),
                                "{\"business_account_id\":\"102290129340398\"}",
                                Map.of(
                                        "access_token", FakeGraph.TOKEN,
                                        "app_secret", "app-secret",
                                        "verify_token", "verify-me"),
                                new BigDecimal("10"),
                                false,
                                true))
                .id();
        // An account's id is Meta's phone_number_id.
        engine.jdbi.useHandle(handle -> handle.execute(
                "UPDATE phone_numbers SET id = ? WHERE workspace_id = ? AND id = ?",
                FakeGraph.PNID,
                workspace.value(),
                number));
    }

    @AfterEach
    void stop() {
        agent.close();
        provider.close();
        engine.close();
        databases.forEach(Database::close);
    }

    private String submit(NewRecipient... recipients) {
        var params = "{\"whatsapp_phone_number_id\":\"" + FakeGraph.PNID
                + "\",\"whatsapp_call_permission_request_template_name\":\"" + TEMPLATE
                + "\",\"whatsapp_call_permission_request_template_language_code\":\"en_US\"}";
        var batch = new NewBatch(
                "whatsapp",
                agentId,
                Optional.empty(),
                Optional.of(FakeGraph.PNID),
                Optional.empty(),
                Optional.empty(),
                Optional.of(params),
                new TelephonyCallConfig(30, false, Optional.empty()),
                Optional.of(5),
                clock.instant(),
                List.of(recipients));
        var result = engine.batches.submit(workspace, batch, Optional.empty());
        return ((io.batchcall.store.Idempotent.Done<io.batchcall.domain.BatchSummary>) result)
                .value()
                .batch()
                .id();
    }

    private String submitUser() {
        return submit(new NewRecipient("r0", Optional.empty(), Optional.of(USER), Optional.empty()));
    }

    /** One pass a second after the last: claim, and dial what is due now (the number's pace allows it). */
    private void dial() {
        clock.advance(Duration.ofSeconds(1));
        engine.dispatcher.dispatchOnce();
        engine.timers.runDue();
    }

    private String recipient(String column, String batch) {
        return engine.one(
                "SELECT coalesce((SELECT " + column + "::text FROM recipients WHERE batch_id = :b), '-')",
                String.class,
                "b",
                batch);
    }

    private String attempt(String column, String batch) {
        return engine.one(
                "SELECT coalesce((SELECT " + column + "::text FROM attempts WHERE batch_id = :b), '-')",
                String.class,
                "b",
                batch);
    }

    private int attempts(String batch) {
        return engine.one("SELECT count(*) FROM attempts WHERE batch_id = :b", Integer.class, "b", batch);
    }

    private Instant nextAttemptAt(String batch) {
        return engine.one("SELECT next_attempt_at FROM recipients WHERE batch_id = :b", Instant.class, "b", batch);
    }

    /** With the user's permission granted, dials the batch's one recipient; returns its attempt id. */
    private String placeCall(String batch) {
        graph.permission(FakeGraph.granted());
        dial();
        assertThat(graph.calls("connect")).hasSize(1);
        return attempt("id", batch);
    }

    private WhatsAppEvent.CallTerminated terminated(
            String attemptId, Optional<Long> duration, List<WhatsAppEvent.GraphError> errors) {
        return new WhatsAppEvent.CallTerminated(
                FakeGraph.PNID,
                "wacid.CALL1",
                USER,
                errors.isEmpty()
                        ? WhatsAppEvent.CallTerminated.Termination.COMPLETED
                        : WhatsAppEvent.CallTerminated.Termination.FAILED,
                duration,
                errors,
                Optional.of(attemptId),
                clock.instant());
    }

    private WhatsAppEvent.PermissionReply reply(boolean accepted) {
        return new WhatsAppEvent.PermissionReply(
                FakeGraph.PNID,
                "wamid.REPLY1",
                USER,
                Optional.of("wamid.REQUEST1"),
                accepted,
                false,
                accepted ? Optional.of(clock.instant().plus(Duration.ofDays(7))) : Optional.empty(),
                false,
                clock.instant());
    }

    @Test
    void a_granted_user_is_called_with_an_sdes_offer_and_the_agent_and_the_user_hear_each_other_with_dtmf()
            throws IOException {
        var batch = submitUser();
        var attemptId = placeCall(batch);

        var connect = graph.calls("connect").getFirst();
        var offer = connect.at("/session/sdp").asText();
        assertThat(connect.path("to").asText()).isEqualTo(USER);
        assertThat(connect.path("biz_opaque_callback_data").asText()).isEqualTo(attemptId);
        assertThat(offer).contains("m=audio ", "RTP/SAVP", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:");
        assertThat(offer).contains("a=rtpmap:0 PCMU/8000");
        assertThat(offer.replace("\r\n", "")).doesNotContain("\n");
        assertThat(offer).endsWith("\r\n");
        assertThat(attempt("provider_call_id", batch)).isEqualTo("wacid.CALL1");

        try (var peer = new MediaPeer()) {
            provider.events()
                    .handle(new WhatsAppEvent.CallConnected(
                            FakeGraph.PNID,
                            "wacid.CALL1",
                            USER,
                            peer.answer(),
                            Optional.of(attemptId),
                            clock.instant()));
            Await.until(
                    BOUND,
                    "the agent's stream starts",
                    () -> !agent.events("start").isEmpty());
            var start = agent.events("start").getFirst();
            assertThat(start.at("/start/callSid").asText()).isEqualTo("wacid.CALL1");
            assertThat(start.at("/start/customParameters/batch_id").asText()).isEqualTo(batch);
            assertThat(start.at("/start/customParameters/batchcall_token").asText())
                    .isEqualTo("agent-token");

            var bridge = peer.bridgeAddress(offer);
            var ourKeys = SrtpKeys.ofInline(inline(offer));
            var callerAudio = new byte[25 * 160];
            for (int i = 0; i < callerAudio.length; i++) {
                callerAudio[i] = (byte) (0x10 + (i % 96));
            }
            for (int i = 0; i < 25; i++) {
                var payload = Arrays.copyOfRange(callerAudio, i * 160, (i + 1) * 160);
                peer.send(peer.srtp.protect(new RtpPacket(i == 0, 0, 100 + i, 1_000 + 160L * i, 77, payload)), bridge);
            }
            for (int i = 0; i < 6; i++) {
                var event = TelephoneEvent.of('5', i >= 3, 160 * Math.min(i + 1, 4));
                peer.send(peer.srtp.protect(new RtpPacket(i == 0, 101, 125 + i, 9_000, 77, event.toBytes())), bridge);
            }
            Await.until(
                    BOUND,
                    "the agent hears the user",
                    () -> agent.events("media").size() >= 25);
            var heard = new java.io.ByteArrayOutputStream();
            agent.events("media").stream()
                    .limit(25)
                    .forEach(m -> heard.writeBytes(
                            Base64.getDecoder().decode(m.at("/media/payload").asText())));
            assertThat(heard.toByteArray()).isEqualTo(callerAudio);
            Await.until(
                    BOUND,
                    "the agent is told of the key",
                    () -> !agent.events("dtmf").isEmpty());
            assertThat(agent.events("dtmf").getFirst().at("/dtmf/digit").asText())
                    .isEqualTo("5");

            var agentAudio = new byte[1_600];
            Arrays.fill(agentAudio, (byte) 0x33);
            agent.send("{\"event\":\"media\",\"streamSid\":\"x\",\"media\":{\"payload\":\""
                    + Base64.getEncoder().encodeToString(agentAudio) + "\"}}");
            var ours = new SrtpContext(ourKeys);
            Await.until(BOUND, "the user hears the agent", () -> peer.heard(ours, (byte) 0x33) >= 1_600);
        }
        assertThat(attempt("answered_at", batch)).isNotEqualTo("-");

        provider.events().handle(terminated(attemptId, Optional.of(42L), List.of()));

        assertThat(attempt("outcome", batch)).isEqualTo("completed");
        assertThat(attempt("provider_status", batch)).isEqualTo("COMPLETED");
        assertThat(recipient("status", batch)).isEqualTo("completed");
        Await.until(
                BOUND,
                "the agent's stream is stopped",
                () -> !agent.events("stop").isEmpty());
    }

    @Test
    void an_agent_that_closes_its_stream_hangs_up_the_whatsapp_call_at_meta_and_the_call_is_completed()
            throws IOException {
        var batch = submitUser();
        var attemptId = placeCall(batch);
        try (var peer = new MediaPeer()) {
            provider.events()
                    .handle(new WhatsAppEvent.CallConnected(
                            FakeGraph.PNID,
                            "wacid.CALL1",
                            USER,
                            peer.answer(),
                            Optional.of(attemptId),
                            clock.instant()));
            Await.until(
                    BOUND,
                    "the agent's stream starts",
                    () -> !agent.events("start").isEmpty());

            agent.hangUp();

            Await.until(BOUND, "the call ends", () -> !attempt("outcome", batch).equals("-"));
        }
        assertThat(graph.calls("terminate").getFirst().path("call_id").asText()).isEqualTo("wacid.CALL1");
        assertThat(attempt("outcome", batch)).isEqualTo("completed");
        assertThat(engine.one(
                        "SELECT unanswered FROM whatsapp_permissions WHERE user_wa_id = :u", Integer.class, "u", USER))
                .isZero();
    }

    @Test
    void a_user_without_permission_is_sent_the_template_once_and_waits_without_a_slot_until_the_accept_wakes_it() {
        var batch = submitUser();

        dial();

        var template = graph.templates();
        assertThat(template).hasSize(1);
        assertThat(template.getFirst().path("to").asText()).isEqualTo(USER);
        assertThat(template.getFirst().path("type").asText()).isEqualTo("template");
        assertThat(template.getFirst().at("/template/name").asText()).isEqualTo(TEMPLATE);
        assertThat(template.getFirst().at("/template/language/code").asText()).isEqualTo("en_US");
        assertThat(recipient("status", batch)).isEqualTo("pending");
        assertThat(recipient("hold_reason", batch)).isEqualTo("whatsapp_permission");
        assertThat(recipient("attempt_count", batch)).isEqualTo("0");
        assertThat(nextAttemptAt(batch)).isEqualTo(clock.instant().plus(Duration.ofDays(7)));
        assertThat(attempts(batch)).isZero();
        assertThat(engine.one(
                        "SELECT in_flight FROM workspaces_in_flight WHERE id = :w",
                        Integer.class,
                        "w",
                        workspace.value()))
                .isZero();
        assertThat(engine.one(
                        "SELECT count(*) FROM events WHERE batch_id = :b AND type = 'recipient.held'",
                        Integer.class,
                        "b",
                        batch))
                .isEqualTo(1);
        assertThat(engine.one(
                        "SELECT request_message_id FROM whatsapp_permissions WHERE user_wa_id = :u",
                        String.class,
                        "u",
                        USER))
                .isEqualTo("wamid.REQUEST1");

        clock.advance(Duration.ofHours(1));
        dial();
        assertThat(graph.templates()).as("asked once per wait").hasSize(1);
        assertThat(graph.calls("connect")).isEmpty();

        graph.permission(FakeGraph.granted());
        provider.events().handle(reply(true));
        assertThat(recipient("hold_reason", batch)).isEqualTo("-");
        assertThat(nextAttemptAt(batch)).isEqualTo(clock.instant());
        dial();

        assertThat(graph.calls("connect")).hasSize(1);
        assertThat(attempt("provider_call_id", batch)).isEqualTo("wacid.CALL1");
        assertThat(recipient("status", batch)).isIn("dispatched", "initiated");
        assertThat(engine.one("SELECT status FROM whatsapp_permissions WHERE user_wa_id = :u", String.class, "u", USER))
                .isEqualTo("granted");
    }

    @Test
    void an_accept_that_comes_before_its_request_is_recorded_is_kept_and_wakes_the_recipient_once_it_waits() {
        var batch = submitUser();
        // Meta's webhook can beat the template's own response: the reply is handled before the request is recorded,
        // while the recipient is still claimed (there is no held recipient to wake yet).
        beforeRequestRecorded = () -> {
            clock.advance(Duration.ofMillis(5));
            provider.events().handle(reply(true));
        };

        dial();

        assertThat(graph.templates()).hasSize(1);
        assertThat(engine.one("SELECT status FROM whatsapp_permissions WHERE user_wa_id = :u", String.class, "u", USER))
                .as("the request recorded after the reply does not overwrite it")
                .isEqualTo("granted");
        assertThat(recipient("status", batch)).isEqualTo("pending");
        assertThat(recipient("hold_reason", batch))
                .as("woken as soon as it waits")
                .isEqualTo("-");
        assertThat(nextAttemptAt(batch)).isBeforeOrEqualTo(clock.instant());

        beforeRequestRecorded = () -> {};
        graph.permission(FakeGraph.granted());
        dial();
        assertThat(graph.calls("connect")).hasSize(1);
    }

    @Test
    void a_refused_permission_ends_the_waiting_recipient_failed_with_elevenlabs_reason() {
        var batch = submitUser();
        dial();
        assertThat(recipient("hold_reason", batch)).isEqualTo("whatsapp_permission");

        provider.events().handle(reply(false));
        dial();

        assertThat(graph.calls("connect")).isEmpty();
        assertThat(recipient("status", batch)).isEqualTo("failed");
        assertThat(attempt("failure_reason", batch)).isEqualTo("User declined the call permission request.");
        assertThat(engine.batchStatus(batch)).isEqualTo("completed");
    }

    @Test
    void a_permission_not_granted_within_the_wait_fails_the_recipient() {
        var batch = submitUser();
        dial();

        clock.advance(Duration.ofDays(7).plusSeconds(1));
        dial();

        assertThat(graph.templates()).hasSize(1);
        assertThat(recipient("status", batch)).isEqualTo("failed");
        assertThat(attempt("failure_reason", batch)).isEqualTo("WhatsApp call permission was not granted in time");
    }

    @Test
    void a_used_up_call_limit_holds_the_recipient_until_the_limit_frees_up() {
        var batch = submitUser();
        var until = clock.instant().plus(Duration.ofHours(5));
        graph.permission(FakeGraph.permissionJson(
                "temporary", Optional.of(1_900_000_000L), false, false, Optional.of(until.getEpochSecond())));

        dial();

        assertThat(graph.calls("connect")).isEmpty();
        assertThat(recipient("status", batch)).isEqualTo("pending");
        assertThat(recipient("hold_reason", batch)).isEqualTo("whatsapp_limit");
        assertThat(nextAttemptAt(batch)).isEqualTo(until);
    }

    @Test
    void after_three_unanswered_calls_in_a_row_no_fourth_is_placed_so_meta_never_revokes_the_permission() {
        var batch = submitUser();
        var last = clock.instant().minus(Duration.ofHours(1));
        engine.jdbi.useHandle(handle -> handle.execute(
                "INSERT INTO whatsapp_permissions (workspace_id, phone_number_id, user_wa_id, status, unanswered,"
                        + " last_unanswered_at, updated_at) VALUES (?, ?, ?, 'granted', 3, ?, ?)",
                workspace.value(),
                FakeGraph.PNID,
                USER,
                java.time.OffsetDateTime.ofInstant(last, java.time.ZoneOffset.UTC),
                java.time.OffsetDateTime.ofInstant(last, java.time.ZoneOffset.UTC)));
        graph.permission(FakeGraph.granted());

        dial();

        assertThat(graph.calls("connect")).isEmpty();
        assertThat(recipient("status", batch)).isEqualTo("failed");
        assertThat(attempt("failure_reason", batch)).contains("a 4th would make Meta revoke");
        assertThat(attempt("provider_status", batch)).isEqualTo("unanswered_limit");

        clock.advance(Duration.ofDays(30));
        var later = submitUser();
        dial();
        assertThat(graph.calls("connect")).as("not a month later either").isEmpty();
        assertThat(recipient("status", later)).isEqualTo("failed");
    }

    @Test
    void a_terminate_without_duration_is_no_answer_and_counts_an_unanswered_call() {
        var batch = submitUser();
        var attemptId = placeCall(batch);
        provider.events()
                .handle(new WhatsAppEvent.CallStatus(
                        FakeGraph.PNID,
                        "wacid.CALL1",
                        USER,
                        WhatsAppEvent.CallStatus.Status.RINGING,
                        Optional.of(attemptId),
                        clock.instant()));
        assertThat(attempt("phase", batch)).isEqualTo("ringing");

        provider.events().handle(terminated(attemptId, Optional.empty(), List.of()));

        assertThat(attempt("outcome", batch)).isEqualTo("no_answer");
        assertThat(recipient("status", batch)).isEqualTo("failed");
        assertThat(engine.one(
                        "SELECT unanswered FROM whatsapp_permissions WHERE user_wa_id = :u", Integer.class, "u", USER))
                .isEqualTo(1);
    }

    @Test
    void a_rejected_call_is_busy_and_the_terminate_that_follows_changes_nothing() {
        var batch = submitUser();
        var attemptId = placeCall(batch);

        provider.events()
                .handle(new WhatsAppEvent.CallStatus(
                        FakeGraph.PNID,
                        "wacid.CALL1",
                        USER,
                        WhatsAppEvent.CallStatus.Status.REJECTED,
                        Optional.of(attemptId),
                        clock.instant()));
        provider.events().handle(terminated(attemptId, Optional.empty(), List.of()));

        assertThat(attempt("outcome", batch)).isEqualTo("busy");
        assertThat(attempt("provider_status", batch)).isEqualTo("REJECTED");
        assertThat(engine.one(
                        "SELECT unanswered FROM whatsapp_permissions WHERE user_wa_id = :u", Integer.class, "u", USER))
                .isEqualTo(1);
    }

    @Test
    void a_failed_call_carries_metas_error_code_in_its_provider_status() {
        var batch = submitUser();
        var attemptId = placeCall(batch);

        provider.events()
                .handle(terminated(
                        attemptId,
                        Optional.empty(),
                        List.of(new WhatsAppEvent.GraphError(
                                138021, "Call failed", Optional.of("Recipient's client did not respond")))));

        assertThat(attempt("outcome", batch)).isEqualTo("failed");
        assertThat(attempt("provider_status", batch)).isEqualTo("FAILED:138021");
        assertThat(attempt("failure_reason", batch)).contains("138021", "did not respond");
    }

    @Test
    void a_cancelled_batch_terminates_its_ringing_call_at_meta_and_the_attempt_ends_cancelled() {
        var batch = submitUser();
        placeCall(batch);

        engine.batches.cancel(workspace, batch, Optional.empty());
        engine.dispatcher.batchStopped(workspace.value(), batch, false);

        assertThat(graph.calls("terminate"))
                .singleElement()
                .satisfies(terminate ->
                        assertThat(terminate.path("call_id").asText()).isEqualTo("wacid.CALL1"));
        assertThat(attempt("outcome", batch)).isEqualTo("cancelled");
    }

    @Test
    void a_call_that_rings_past_its_ringing_timeout_is_terminated_at_meta_by_the_stale_call_sweep_as_no_answer() {
        var batch = submitUser();
        placeCall(batch);
        var sweep = new StaleCallSweep(engine.registry, engine.recorder, clock);

        clock.advance(Duration.ofSeconds(30).plus(StaleCallSweep.RING_GRACE).minusSeconds(2));
        assertThat(sweep.sweepOnce()).isZero();
        clock.advance(Duration.ofSeconds(3));
        assertThat(sweep.sweepOnce()).isEqualTo(1);

        assertThat(graph.calls("terminate"))
                .singleElement()
                .satisfies(terminate ->
                        assertThat(terminate.path("call_id").asText()).isEqualTo("wacid.CALL1"));
        assertThat(attempt("outcome", batch)).isEqualTo("no_answer");
        assertThat(attempt("provider_status", batch)).isEqualTo("ring timeout");
    }

    @Test
    void a_configuration_error_at_connect_fails_the_batch_with_metas_reason() {
        var batch = submit(
                new NewRecipient("r0", Optional.empty(), Optional.of(USER), Optional.empty()),
                new NewRecipient("r1", Optional.empty(), Optional.of("4915187654321"), Optional.empty()));
        graph.permission(FakeGraph.granted());
        graph.connectRefused(400, 131055, "The phone number is in SIP mode");

        dial();

        assertThat(engine.batchStatus(batch)).isEqualTo("failed");
        assertThat(engine.one("SELECT failure_reason FROM batches WHERE id = :b", String.class, "b", batch))
                .contains("131055", "SIP mode");
    }

    @Test
    void connect_errors_map_as_the_reference_says() {
        graph.permission(FakeGraph.granted());

        graph.connectRefused(400, 138001, "Receiver is uncallable");
        var uncallable = submitUser();
        dial();
        assertThat(recipient("status", uncallable)).isEqualTo("failed");
        assertThat(attempt("failure_reason", uncallable)).contains("138001");

        graph.connectRefused(500, 138004, "Connection error");
        var connectionError =
                submit(new NewRecipient("r0", Optional.empty(), Optional.of("4915100000001"), Optional.empty()));
        dial();
        assertThat(attempt("outcome", connectionError)).isEqualTo("failed");
        assertThat(attempt("provider_status", connectionError)).isEqualTo("rejected:138004");

        var until = clock.instant().plus(Duration.ofHours(3)).getEpochSecond();
        graph.connectRefused(400, 138012, "Limit reached, next call allowed after " + until);
        var limited = submit(new NewRecipient("r0", Optional.empty(), Optional.of("4915100000002"), Optional.empty()));
        dial();
        assertThat(recipient("hold_reason", limited)).isEqualTo("whatsapp_limit");
        assertThat(nextAttemptAt(limited)).isEqualTo(Instant.ofEpochSecond(until));

        graph.permission(FakeGraph.permissionJson("temporary", Optional.empty(), true, true, Optional.empty()));
        graph.connectRefused(401, 138006, "No approved call permission");
        var vanished = submit(new NewRecipient("r0", Optional.empty(), Optional.of("4915100000003"), Optional.empty()));
        dial();
        assertThat(graph.templates())
                .singleElement()
                .satisfies(t -> assertThat(t.path("to").asText()).isEqualTo("4915100000003"));
        assertThat(recipient("hold_reason", vanished)).isEqualTo("whatsapp_permission");
        assertThat(engine.batchStatus(vanished)).isEqualTo("in_progress");
    }

    @Test
    void a_rate_limited_connect_is_deferred_and_sent_again_later_never_at_once() {
        graph.permission(FakeGraph.granted());
        graph.connectRefused(429, 138005, "Call rate limit");
        var batch = submitUser();

        dial();
        assertThat(graph.calls("connect")).hasSize(1);
        assertThat(attempt("outcome", batch)).isEqualTo("-");

        clock.advance(Duration.ofSeconds(5));
        engine.timers.runDue();
        assertThat(graph.calls("connect")).hasSize(2);
    }

    @Test
    void a_recipient_without_a_whatsapp_user_id_fails_saying_so() {
        var batch = submit(new NewRecipient("r0", Optional.of("+14155550100"), Optional.empty(), Optional.empty()));

        dial();

        assertThat(recipient("status", batch)).isEqualTo("failed");
        assertThat(attempt("failure_reason", batch)).contains("whatsapp_user_id");
        assertThat(graph.requests()).isEmpty();
    }

    @Test
    void an_agent_without_a_media_stream_url_fails_the_batch_with_a_clear_reason() {
        agentId = engine.agent(workspace, Optional.empty());
        var batch = submitUser();
        graph.permission(FakeGraph.granted());

        dial();

        assertThat(engine.batchStatus(batch)).isEqualTo("failed");
        assertThat(engine.one("SELECT failure_reason FROM batches WHERE id = :b", String.class, "b", batch))
                .contains("media_stream_url");
    }

    @Test
    void duplicate_and_reversed_events_change_nothing() {
        var batch = submitUser();
        var attemptId = placeCall(batch);

        // The terminate overtakes the connect: the call ended unanswered, and the late connect bridges nothing.
        provider.events().handle(terminated(attemptId, Optional.empty(), List.of()));
        provider.events()
                .handle(new WhatsAppEvent.CallConnected(
                        FakeGraph.PNID,
                        "wacid.CALL1",
                        USER,
                        "v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 40000 RTP/SAVP 0\r\n",
                        Optional.of(attemptId),
                        clock.instant()));
        provider.events().handle(terminated(attemptId, Optional.of(30L), List.of()));
        provider.events().handle(terminated(attemptId, Optional.empty(), List.of()));

        assertThat(attempt("outcome", batch)).isEqualTo("no_answer");
        assertThat(attempt("answered_at", batch)).isEqualTo("-");
        assertThat(engine.one(
                        "SELECT unanswered FROM whatsapp_permissions WHERE user_wa_id = :u", Integer.class, "u", USER))
                .isEqualTo(1);

        // A second accept of one permission wakes nothing more and sends nothing.
        provider.events().handle(reply(true));
        provider.events().handle(reply(true));
        assertThat(graph.templates()).isEmpty();
        assertThat(graph.calls("connect")).hasSize(1);
    }

    private static String inline(String sdp) {
        var matcher = Pattern.compile("inline:([^\\r\\n|]+)").matcher(sdp);
        assertThat(matcher.find()).isTrue();
        return matcher.group(1);
    }

    /** The user's media side as Meta runs it: SDES-SRTP with PCMU on a loopback UDP socket. */
    private static final class MediaPeer implements AutoCloseable {
        final DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        final SrtpKeys keys = SrtpKeys.generate(new SecureRandom());
        final SrtpContext srtp = new SrtpContext(keys);
        final LinkedBlockingQueue<byte[]> inbox = new LinkedBlockingQueue<>();
        final java.io.ByteArrayOutputStream audio = new java.io.ByteArrayOutputStream();

        MediaPeer() throws IOException {
            Thread.ofVirtual().start(() -> {
                var buffer = new byte[2_048];
                while (!socket.isClosed()) {
                    var datagram = new DatagramPacket(buffer, buffer.length);
                    try {
                        socket.receive(datagram);
                    } catch (IOException e) {
                        return;
                    }
                    inbox.add(Arrays.copyOf(buffer, datagram.getLength()));
                }
            });
        }

        String answer() {
            return "v=0\r\no=meta 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                    + "m=audio " + socket.getLocalPort() + " RTP/SAVP 0 101\r\n"
                    + "a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
                    + "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + keys.inline() + "\r\n";
        }

        InetSocketAddress bridgeAddress(String offer) {
            var matcher = Pattern.compile("m=audio (\\d+) ").matcher(offer);
            assertThat(matcher.find()).isTrue();
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(matcher.group(1)));
        }

        void send(byte[] bytes, InetSocketAddress to) throws IOException {
            socket.send(new DatagramPacket(bytes, bytes.length, to));
        }

        /** How many bytes of {@code value} the user has heard so far (packets decrypted with the bridge's keys). */
        int heard(SrtpContext bridgeKeys, byte value) {
            byte[] bytes;
            while ((bytes = inbox.poll()) != null) {
                var packet = bridgeKeys.unprotect(bytes, bytes.length);
                assertThat(packet)
                        .as("every packet from the bridge authenticates")
                        .isPresent();
                if (packet.get().payloadType() == 0) {
                    audio.writeBytes(packet.get().payload());
                }
            }
            int count = 0;
            for (byte b : audio.toByteArray()) {
                if (b == value) {
                    count++;
                }
            }
            return count;
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    /** An agent on a loopback WebSocket speaking Twilio's Media Streams, as the agents we bridge to do. */
    private static final class FakeAgent implements AutoCloseable {
        final List<JsonNode> messages = new CopyOnWriteArrayList<>();
        final List<io.javalin.websocket.WsContext> sessions = new CopyOnWriteArrayList<>();
        final Javalin server;

        FakeAgent() {
            server = Javalin.create(config -> {
                        config.startup.showJavalinBanner = false;
                        config.jetty.host = "127.0.0.1";
                        config.jetty.port = 0;
                        config.routes.ws("/media", ws -> {
                            ws.onConnect(sessions::add);
                            ws.onMessage(ctx -> messages.add(JSON.readTree(ctx.message())));
                        });
                    })
                    .start();
        }

        String url() {
            return "ws://127.0.0.1:" + server.port() + "/media";
        }

        List<JsonNode> events(String event) {
            return messages.stream()
                    .filter(m -> event.equals(m.path("event").asText()))
                    .toList();
        }

        void send(String message) {
            sessions.forEach(session -> session.send(message));
        }

        /** The agent hangs up: it closes its stream. */
        void hangUp() {
            sessions.forEach(session -> session.closeSession());
        }

        @Override
        public void close() {
            server.stop();
        }
    }

    /** The real permission store, with {@link #beforeRequestRecorded} run before a request is recorded. */
    private final class RacingPermissions implements io.batchcall.domain.WhatsAppPermissions {
        private final io.batchcall.domain.WhatsAppPermissions store;

        RacingPermissions(io.batchcall.domain.WhatsAppPermissions store) {
            this.store = store;
        }

        @Override
        public Optional<WorkspaceId> workspaceOf(String phoneNumberId) {
            return store.workspaceOf(phoneNumberId);
        }

        @Override
        public Optional<io.batchcall.domain.WhatsAppPermission> find(
                WorkspaceId workspace, String phoneNumberId, String userWaId) {
            return store.find(workspace, phoneNumberId, userWaId);
        }

        @Override
        public Optional<Template> template(WorkspaceId workspace, String batchId) {
            return store.template(workspace, batchId);
        }

        @Override
        public void requested(
                WorkspaceId workspace, String phoneNumberId, String userWaId, String messageId, Instant at) {
            beforeRequestRecorded.run();
            store.requested(workspace, phoneNumberId, userWaId, messageId, at);
        }

        @Override
        public void granted(
                WorkspaceId workspace, String phoneNumberId, String userWaId, Optional<Instant> expiresAt, Instant at) {
            store.granted(workspace, phoneNumberId, userWaId, expiresAt, at);
        }

        @Override
        public void refused(WorkspaceId workspace, String phoneNumberId, String userWaId, Instant at) {
            store.refused(workspace, phoneNumberId, userWaId, at);
        }

        @Override
        public void wakeHeld(WorkspaceId workspace, String phoneNumberId, String userWaId, Instant at) {
            store.wakeHeld(workspace, phoneNumberId, userWaId, at);
        }

        @Override
        public void callEnded(
                WorkspaceId workspace, String phoneNumberId, String userWaId, boolean unanswered, Instant at) {
            store.callEnded(workspace, phoneNumberId, userWaId, unanswered, at);
        }
    }
}
