package io.batchcall.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.config.WebhookConfig;
import io.batchcall.domain.ApiKeySecret;
import io.batchcall.domain.EgressPolicy;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.RetrySchedule;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.Database;
import io.batchcall.store.DeliveryLog;
import io.batchcall.store.DeliveryStore;
import io.batchcall.store.OutboxFixture;
import io.batchcall.store.WebhookStore;
import io.batchcall.store.WorkspaceStore;
import io.batchcall.support.MutableClock;
import io.batchcall.support.Receiver;
import io.batchcall.support.Receiver.Response;
import io.batchcall.support.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sender against a real database and a real receiver on loopback, driven pass by pass ({@code sendOnce()})
 * with a settable clock: signatures, per-recipient ordering under failures, retries, auto-disable, 410, redirects,
 * Retry-After, rotation, leases and the per-endpoint bound.
 */
class WebhookDeliveryTest {
    private static final Duration LEASE = Duration.ofSeconds(45);

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
    private Database database;
    private WebhookStore webhooks;
    private DeliveryStore deliveries;
    private DeliveryLog log;
    private WebhookSender sender;
    private OutboxFixture outbox;
    private Receiver receiver;
    private WorkspaceId workspace;
    private SimpleMeterRegistry meters;

    @BeforeEach
    void start() {
        meters = new SimpleMeterRegistry();
        database = Database.connect(TestDatabase.freshDatabaseUrl(), Optional.of("postgres"), Optional.empty(), meters);
        var ids = IdSource.secure();
        var cipher = new io.batchcall.store.CredentialCipher(new byte[32]);
        workspace = new WorkspaceStore(database, clock, ids)
                .createWithApiKey("ws", 10, ApiKeySecret.generate(ids))
                .workspace()
                .id();
        webhooks = new WebhookStore(database, clock, cipher, ids);
        startSender(cipher, ids, 16);
        outbox = new OutboxFixture(database, clock);
        receiver = new Receiver();
    }

    private void startSender(io.batchcall.store.CredentialCipher cipher, IdSource ids, int maxInFlight) {
        var config = new WebhookConfig(
                Duration.ofSeconds(5), maxInFlight, Duration.ofSeconds(1), false, Duration.ofHours(24));
        deliveries = new DeliveryStore(
                database, clock, cipher, ids, "node-a", LEASE, maxInFlight, RetrySchedule.STANDARD, new Random(3));
        log = new DeliveryLog(database, clock);
        sender = new WebhookSender(
                deliveries,
                new WebhookUrls(new EgressPolicy(true, EgressPolicy::systemResolve), false),
                config,
                clock,
                new WebhookMetrics(meters, log, clock));
    }

    @AfterEach
    void stop() {
        sender.close();
        receiver.close();
        database.close();
    }

    private WebhookStore.Keyed webhook(List<String> eventTypes, boolean retry) {
        return webhooks.create(
                workspace,
                new WebhookStore.NewWebhook(
                        "hook", receiver.url("/hook"), Map.of("X-Team", "calls"), eventTypes, retry));
    }

    private String recipientEvent(String recipient, String status) {
        return outbox.recipientEvent(
                workspace,
                "recipient." + status,
                "batch_1",
                recipient,
                Map.of("recipient", Map.of("id", recipient, "status", status), "note", "Zoë ☎ 東京"));
    }

    /** Passes until nothing is due now; fails when work remains after the bound. */
    private void sendUntilIdle() {
        for (int pass = 0; pass < 50; pass++) {
            if (sender.sendOnce() == 0) {
                return;
            }
        }
        throw new AssertionError("still sending after 50 passes");
    }

    private List<String> delivered(Predicate<Receiver.Request> which) {
        return receiver.requests().stream()
                .filter(which)
                .map(Receiver.Request::eventId)
                .toList();
    }

    private String state(String endpoint, String eventId) {
        return log.delivery(workspace, endpoint, eventId)
                .orElseThrow()
                .delivery()
                .state();
    }

    @Test
    void every_delivery_carries_both_signatures_over_the_stored_body_that_independent_verifiers_accept()
            throws Exception {
        var hook = webhook(List.of("*"), true);
        var first = recipientEvent("r1", "dispatched");
        var second = outbox.batchEvent(workspace, "batch.completed", "batch_1", Map.of("id", "batch_1"));

        sendUntilIdle();

        var requests = receiver.requests();
        assertThat(requests).extracting(Receiver.Request::eventId).containsExactlyInAnyOrder(first, second);
        long now = clock.instant().getEpochSecond();
        for (var request : requests) {
            var stored = log.delivery(workspace, hook.id(), request.eventId()).orElseThrow();
            assertThat(request.body()).isEqualTo(stored.body());
            assertThat(request.body()).contains("\"event_id\":\"" + request.eventId() + "\"");
            assertThat(request.header("ElevenLabs-Signature")).matches("t=\\d+,v0=[0-9a-f]{64}");
            assertThat(Verifiers.elevenLabsAccepts(
                            request.header("ElevenLabs-Signature"),
                            request.body(),
                            hook.secret().value(),
                            now))
                    .isTrue();
            assertThat(Verifiers.standardWebhooksAccepts(
                            request.eventId(),
                            request.header("webhook-timestamp"),
                            request.header("webhook-signature"),
                            request.body(),
                            hook.secret().value(),
                            now))
                    .isTrue();
            assertThat(Verifiers.elevenLabsAccepts(
                            request.header("ElevenLabs-Signature"),
                            request.body() + " ",
                            hook.secret().value(),
                            now))
                    .as("a tampered body")
                    .isFalse();
            assertThat(request.header("webhook-timestamp")).isEqualTo(Long.toString(now));
            assertThat(request.header("content-type")).isEqualTo("application/json");
            assertThat(request.header("X-Team")).isEqualTo("calls");
            assertThat(request.header("Batchcall-Delivery-Attempt")).isEqualTo("1");
            assertThat(request.header("Batchcall-Event-Type")).isIn("recipient.dispatched", "batch.completed");
            assertThat(state(hook.id(), request.eventId())).isEqualTo("succeeded");
        }
    }

    @Test
    void a_retry_is_signed_at_send_time_so_it_verifies_long_after_the_event() throws Exception {
        var hook = webhook(List.of("recipient.*"), true);
        var event = recipientEvent("r1", "completed");
        receiver.answer(request -> Response.status(500));
        sendUntilIdle();
        for (int i = 0; i < 4; i++) {
            clock.advance(Duration.ofMinutes(40));
            sendUntilIdle();
        }
        receiver.answer(request -> Response.status(200));
        clock.advance(Duration.ofHours(3));
        sendUntilIdle();

        var last = receiver.requests().getLast();
        assertThat(last.eventId()).isEqualTo(event);
        assertThat(last.header("Batchcall-Delivery-Attempt")).isEqualTo("6");
        assertThat(Verifiers.elevenLabsAccepts(
                        last.header("ElevenLabs-Signature"),
                        last.body(),
                        hook.secret().value(),
                        clock.instant().getEpochSecond()))
                .isTrue();
        assertThat(receiver.requests()).extracting(Receiver.Request::body).containsOnly(last.body());
        assertThat(log.delivery(workspace, hook.id(), event).orElseThrow().attempts())
                .hasSize(6)
                .extracting(a -> a.statusCode().orElse(0))
                .containsExactly(500, 500, 500, 500, 500, 200);
    }

    @Test
    void
            a_failing_receiver_gets_everything_in_order_per_recipient_once_it_recovers_and_other_recipients_wait_for_nothing() {
        var hook = webhook(List.of("recipient.*"), true);
        webhooks.find(workspace, hook.id()).orElseThrow();
        var a1 = recipientEvent("a", "dispatched");
        var b1 = recipientEvent("b", "dispatched");
        var a2 = recipientEvent("a", "initiated");
        var b2 = recipientEvent("b", "initiated");
        var a3 = recipientEvent("a", "completed");

        // Everything fails: only each recipient's first event is tried, never one behind it.
        receiver.answer(request -> Response.status(500));
        sendUntilIdle();
        assertThat(delivered(r -> true)).containsExactlyInAnyOrder(a1, b1);

        // b's receiver recovers, a's keeps failing: b's events all go out, without waiting for a.
        receiver.answer(
                request -> request.body().contains("\"id\":\"a\"") ? Response.status(500) : Response.status(200));
        clock.advance(Duration.ofMinutes(1));
        sendUntilIdle();
        assertThat(state(hook.id(), b1)).isEqualTo("succeeded");
        assertThat(state(hook.id(), b2)).isEqualTo("succeeded");
        assertThat(state(hook.id(), a1)).isEqualTo("pending");
        assertThat(state(hook.id(), a2)).isEqualTo("pending");
        assertThat(delivered(r -> r.body().contains("\"id\":\"a\""))).containsOnly(a1);

        // Then a recovers too: its events arrive, in their order.
        receiver.answer(request -> Response.status(200));
        clock.advance(Duration.ofMinutes(3));
        sendUntilIdle();
        var accepted = receiver.requests().stream()
                .filter(r -> r.body().contains("\"id\":\"a\""))
                .map(Receiver.Request::eventId)
                .distinct()
                .toList();
        assertThat(accepted).containsExactly(a1, a2, a3);
        assertThat(List.of(a1, a2, a3, b1, b2))
                .allSatisfy(id -> assertThat(state(hook.id(), id)).isEqualTo("succeeded"));
    }

    @Test
    void
            ten_failures_without_a_success_disable_the_webhook_hold_its_deliveries_and_enabling_it_resumes_them_in_order() {
        var hook = webhook(List.of("recipient.*"), true);
        receiver.answer(request -> Response.status(503));
        var firsts = new java.util.ArrayList<String>();
        for (int i = 0; i < 10; i++) {
            firsts.add(recipientEvent("r" + i, "dispatched"));
        }
        var behind = recipientEvent("r0", "initiated");
        sendUntilIdle();

        var endpoint = webhooks.find(workspace, hook.id()).orElseThrow();
        assertThat(endpoint.autoDisabled()).isTrue();
        assertThat(endpoint.disabledReason()).contains("failures");
        assertThat(endpoint.mostRecentFailureCode()).contains(503);
        var whileHeld = recipientEvent("r0", "completed");
        assertThat(List.of(firsts.getFirst(), behind, whileHeld))
                .allSatisfy(id -> assertThat(state(hook.id(), id)).isEqualTo("held"));
        int sentBefore = receiver.requests().size();
        clock.advance(Duration.ofDays(1));
        sendUntilIdle();
        assertThat(receiver.requests()).hasSize(sentBefore);

        receiver.answer(request -> Response.status(200));
        webhooks.update(
                workspace,
                hook.id(),
                new WebhookStore.WebhookUpdate(
                        "hook", false, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()));
        sendUntilIdle();

        assertThat(webhooks.find(workspace, hook.id()).orElseThrow().autoDisabled())
                .isFalse();
        var r0 = receiver.requests().stream()
                .filter(r -> r.body().contains("\"id\":\"r0\""))
                .skip(1)
                .map(Receiver.Request::eventId)
                .toList();
        assertThat(r0).containsExactly(firsts.getFirst(), behind, whileHeld);
        assertThat(firsts).allSatisfy(id -> assertThat(state(hook.id(), id)).isEqualTo("succeeded"));
    }

    @Test
    void failures_do_not_disable_a_webhook_that_succeeded_within_seven_days() {
        var hook = webhook(List.of("recipient.*"), true);
        recipientEvent("ok", "dispatched");
        sendUntilIdle();
        receiver.answer(request -> Response.status(500));
        for (int i = 0; i < 12; i++) {
            recipientEvent("r" + i, "dispatched");
        }
        sendUntilIdle();

        var endpoint = webhooks.find(workspace, hook.id()).orElseThrow();
        assertThat(endpoint.consecutiveFailures()).isEqualTo(12);
        assertThat(endpoint.autoDisabled()).isFalse();
    }

    @Test
    void gone_410_disables_the_webhook_at_once_holds_the_delivery_and_tells_the_other_webhooks() {
        var hook = webhook(List.of("recipient.*"), true);
        webhooks.create(
                workspace,
                new WebhookStore.NewWebhook("ops", receiver.url("/ops"), Map.of(), List.of("webhook.*"), true));
        receiver.answer(request -> request.path().equals("/hook") ? Response.status(410) : Response.status(200));
        var event = recipientEvent("r1", "dispatched");
        sendUntilIdle();

        var endpoint = webhooks.find(workspace, hook.id()).orElseThrow();
        assertThat(endpoint.autoDisabled()).isTrue();
        assertThat(endpoint.disabledReason()).contains("gone");
        assertThat(state(hook.id(), event)).isEqualTo("held");
        assertThat(receiver.requests()).extracting(Receiver.Request::path).containsExactly("/hook", "/ops");
        var notice = receiver.requests().getLast();
        assertThat(notice.header("Batchcall-Event-Type")).isEqualTo("webhook.endpoint_disabled");
        assertThat(notice.body()).contains("\"webhook_id\":\"" + hook.id() + "\"", "\"reason\":\"gone\"");
    }

    @Test
    void retry_after_from_the_receiver_sets_the_next_attempt() {
        var hook = webhook(List.of("*"), true);
        receiver.answer(request -> new Response(429, Map.of("Retry-After", "600"), "slow down"));
        var event = recipientEvent("r1", "dispatched");
        sendUntilIdle();

        var delivery = log.delivery(workspace, hook.id(), event).orElseThrow();
        assertThat(delivery.delivery().nextAttemptAt())
                .isEqualTo(clock.instant().plusSeconds(600));
        assertThat(delivery.attempts().getFirst().responseExcerpt()).contains("slow down");
        clock.advance(Duration.ofSeconds(599));
        sendUntilIdle();
        assertThat(receiver.requests()).hasSize(1);
        clock.advance(Duration.ofSeconds(1));
        receiver.answer(request -> Response.status(204));
        sendUntilIdle();
        assertThat(state(hook.id(), event)).isEqualTo("succeeded");
    }

    @Test
    void a_redirect_is_not_followed_and_counts_as_a_failed_attempt() {
        var hook = webhook(List.of("*"), true);
        receiver.answer(request -> request.path().equals("/hook")
                ? new Response(307, Map.of("Location", receiver.url("/elsewhere")), "")
                : Response.status(200));
        var event = recipientEvent("r1", "dispatched");
        sendUntilIdle();

        assertThat(receiver.requests()).extracting(Receiver.Request::path).containsExactly("/hook");
        var delivery = log.delivery(workspace, hook.id(), event).orElseThrow().delivery();
        assertThat(delivery.state()).isEqualTo("pending");
        assertThat(delivery.lastStatus()).contains(307);
    }

    @Test
    void with_retries_off_a_failed_delivery_gets_one_attempt_and_can_be_retried_by_hand() {
        var hook = webhook(List.of("*"), false);
        receiver.answer(request -> Response.status(500));
        var event = recipientEvent("r1", "dispatched");
        sendUntilIdle();
        clock.advance(Duration.ofDays(4));
        sendUntilIdle();
        assertThat(receiver.requests()).hasSize(1);
        assertThat(state(hook.id(), event)).isEqualTo("failed");

        receiver.answer(request -> Response.status(200));
        assertThat(log.retry(workspace, hook.id(), event)).isEqualTo(DeliveryLog.RetryResult.QUEUED);
        sendUntilIdle();
        assertThat(state(hook.id(), event)).isEqualTo("succeeded");
        assertThat(receiver.requests()).extracting(Receiver.Request::eventId).containsExactly(event, event);
    }

    @Test
    void after_a_rotation_both_secrets_verify_until_the_grace_period_ends() throws Exception {
        var hook = webhook(List.of("*"), true);
        var rotated = webhooks.rotateSecret(workspace, hook.id(), Duration.ofHours(24))
                .orElseThrow();
        recipientEvent("r1", "dispatched");
        sendUntilIdle();
        var during = receiver.requests().getLast();
        long now = clock.instant().getEpochSecond();
        var oldSecret = hook.secret().value();
        var newSecret = rotated.secret().value();
        assertThat(during.header("webhook-signature").split(" ")).hasSize(2);
        assertThat(Verifiers.standardWebhooksAccepts(
                        during.eventId(),
                        during.header("webhook-timestamp"),
                        during.header("webhook-signature"),
                        during.body(),
                        newSecret,
                        now))
                .isTrue();
        assertThat(Verifiers.standardWebhooksAccepts(
                        during.eventId(),
                        during.header("webhook-timestamp"),
                        during.header("webhook-signature"),
                        during.body(),
                        oldSecret,
                        now))
                .isTrue();
        assertThat(during.header("ElevenLabs-Signature")).containsOnlyOnce("v0=");
        assertThat(Verifiers.elevenLabsAccepts(during.header("ElevenLabs-Signature"), during.body(), oldSecret, now))
                .isTrue();

        clock.advance(Duration.ofHours(25));
        recipientEvent("r2", "dispatched");
        sendUntilIdle();
        var after = receiver.requests().getLast();
        now = clock.instant().getEpochSecond();
        assertThat(after.header("webhook-signature").split(" ")).hasSize(1);
        assertThat(Verifiers.elevenLabsAccepts(after.header("ElevenLabs-Signature"), after.body(), newSecret, now))
                .isTrue();
        assertThat(Verifiers.standardWebhooksAccepts(
                        after.eventId(),
                        after.header("webhook-timestamp"),
                        after.header("webhook-signature"),
                        after.body(),
                        oldSecret,
                        now))
                .isFalse();
    }

    @Test
    void a_delivery_whose_node_died_mid_send_is_taken_back_after_its_lease_and_sent_again_with_the_same_id() {
        var hook = webhook(List.of("*"), true);
        var event = recipientEvent("r1", "dispatched");
        assertThat(deliveries.claim(10)).hasSize(1); // a node claims it, then dies before sending or recording
        clock.advance(LEASE.minusSeconds(1));
        sendUntilIdle();
        assertThat(receiver.requests()).isEmpty();

        clock.advance(Duration.ofSeconds(2));
        sendUntilIdle();

        assertThat(receiver.requests()).extracting(Receiver.Request::eventId).containsExactly(event);
        var detail = log.delivery(workspace, hook.id(), event).orElseThrow();
        assertThat(detail.delivery().state()).isEqualTo("succeeded");
        assertThat(detail.attempts())
                .extracting(a -> a.errorClass().orElse("ok"))
                .containsExactly("lease_expired", "ok");
        assertThat(receiver.requests().getFirst().header("Batchcall-Delivery-Attempt"))
                .isEqualTo("2");
    }

    @Test
    void no_more_than_the_bound_of_deliveries_are_in_flight_to_one_webhook() throws Exception {
        sender.close();
        startSender(new io.batchcall.store.CredentialCipher(new byte[32]), IdSource.secure(), 2);
        webhook(List.of("*"), true);
        var inside = new AtomicInteger();
        var most = new AtomicInteger();
        var release = new CountDownLatch(1);
        receiver.answer(request -> {
            most.accumulateAndGet(inside.incrementAndGet(), Math::max);
            try {
                release.await(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inside.decrementAndGet();
            return Response.status(200);
        });
        for (int i = 0; i < 5; i++) {
            recipientEvent("r" + i, "dispatched");
        }

        assertThat(sender.sendOnce()).isEqualTo(2);
        release.countDown();
        sendUntilIdle();

        assertThat(most.get()).isEqualTo(2);
        assertThat(receiver.requests()).hasSize(5);
    }

    @Test
    void the_metrics_count_outcomes_and_report_the_backlog_per_webhook() {
        var hook = webhook(List.of("*"), true);
        receiver.answer(request -> Response.status(500));
        recipientEvent("r1", "dispatched");
        recipientEvent("r1", "initiated");
        sendUntilIdle();

        assertThat(meters.get("batchcall.webhook.deliveries")
                        .tags("endpoint", hook.id(), "outcome", "retrying")
                        .counter()
                        .count())
                .isEqualTo(1.0);
        assertThat(meters.get("batchcall.webhook.backlog")
                        .tags("endpoint", hook.id())
                        .gauge()
                        .value())
                .isEqualTo(2.0);
        assertThat(meters.get("batchcall.webhook.attempt").timer().count()).isEqualTo(1);
    }
}
