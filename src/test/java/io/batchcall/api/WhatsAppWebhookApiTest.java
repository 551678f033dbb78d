package io.batchcall.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.Await;
import io.batchcall.support.Fixtures;
import io.batchcall.support.MetaWebhooks;
import io.batchcall.support.TestServer;
import io.batchcall.telephony.whatsapp.WhatsAppEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Meta's webhooks for one WhatsApp account over real HTTP: the subscription handshake, the raw-byte signature,
 * the inbox that makes a redelivery a no-op, the hand-off after the 200 and the drain that retries a failed one.
 */
class WhatsAppWebhookApiTest {
    private static final Duration BOUND = Duration.ofSeconds(20);
    private static final String PNID = "108000000000001";
    private static final String USER = "4915112345678";

    /** Every event handed over, in order; the handler throws for each call id in {@link #failOnce} the first time. */
    private static final List<WhatsAppEvent> handled = new CopyOnWriteArrayList<>();

    private static final Set<String> failOnce = ConcurrentHashMap.newKeySet();

    private static TestServer server;
    private static Fixtures fixtures;
    private static MetaWebhooks meta;

    @BeforeAll
    static void start() {
        server = TestServer.startWithWhatsAppEvents(event -> {
            handled.add(event);
            if (event instanceof WhatsAppEvent.CallStatus status && failOnce.remove(status.callId())) {
                throw new IllegalStateException("the provider could not take it this time");
            }
        });
        fixtures = new Fixtures(server);
        meta = new MetaWebhooks(server);
        assertThat(MetaWebhooks.importAccount(server.client(), PNID, null).status())
                .isEqualTo(200);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static List<WhatsAppEvent> handledFor(String callId) {
        return handled.stream()
                .filter(e -> e.dedupeKey().startsWith(callId + ":"))
                .toList();
    }

    private static long inboxRows(String callId) {
        return fixtures.queryOne(
                "SELECT count(*) FROM whatsapp_inbox WHERE dedupe_key LIKE :key",
                Map.of("key", callId + ":%"),
                Long.class);
    }

    private static boolean handledInInbox(String dedupeKey) {
        return fixtures.queryOne(
                        "SELECT count(*) FROM whatsapp_inbox WHERE dedupe_key = :key AND handled_at IS NOT NULL",
                        Map.of("key", dedupeKey),
                        Long.class)
                == 1;
    }

    @Test
    void the_handshake_answers_the_challenge_for_the_accounts_verify_token_only() {
        var good = meta.verify(PNID, "subscribe", MetaWebhooks.VERIFY_TOKEN, "1158201444");
        var wrongToken = meta.verify(PNID, "subscribe", "guessed", "1158201444");
        var wrongMode = meta.verify(PNID, "unsubscribe", MetaWebhooks.VERIFY_TOKEN, "1158201444");
        var noAccount = meta.verify("1", "subscribe", MetaWebhooks.VERIFY_TOKEN, "1158201444");

        assertThat(good.status()).isEqualTo(200);
        assertThat(good.body()).isEqualTo("1158201444");
        assertThat(wrongToken.status()).isEqualTo(403);
        assertThat(wrongToken.body()).doesNotContain("1158201444");
        assertThat(wrongMode.status()).isEqualTo(403);
        assertThat(noAccount.status()).isEqualTo(404);
    }

    @Test
    void a_forged_or_unsigned_delivery_is_a_401_and_stores_and_hands_nothing() {
        var callId = "wacid.forged";
        var body = MetaWebhooks.status(PNID, callId, USER, "RINGING");

        var forged = meta.postForged(PNID, body);
        var unsigned = meta.post(PNID, body.getBytes(StandardCharsets.UTF_8), null);
        var notSha256 = meta.post(PNID, body.getBytes(StandardCharsets.UTF_8), "sha1=abc");

        assertThat(forged.status()).isEqualTo(401);
        assertThat(forged.json().at("/detail/status").asText()).isEqualTo("invalid_signature");
        assertThat(unsigned.status()).isEqualTo(401);
        assertThat(notSha256.status()).isEqualTo(401);
        // A signed delivery after them is handled: had the forged ones been stored or handed, they would be first.
        var marker = "wacid.after-forged";
        assertThat(meta.post(PNID, MetaWebhooks.status(PNID, marker, USER, "RINGING"))
                        .status())
                .isEqualTo(200);
        Await.until(
                BOUND, "the signed delivery handled", () -> !handledFor(marker).isEmpty());
        assertThat(inboxRows(callId)).isZero();
        assertThat(handledFor(callId)).isEmpty();
    }

    @Test
    void the_signature_is_over_the_raw_bytes_so_an_escaped_and_a_raw_umlaut_sign_differently() {
        var escaped = MetaWebhooks.connect(PNID, "wacid.umlaut", USER, "v=0\r\n")
                .replace("\"name\":\"User\"", "\"name\":\"J\\u00fcrgen M\\u00e4rz\"");
        var raw = escaped.replace("\\u00fc", "\u00fc").replace("\\u00e4", "\u00e4");
        var escapedBytes = escaped.getBytes(StandardCharsets.UTF_8);
        var rawBytes = raw.getBytes(StandardCharsets.UTF_8);

        // The same JSON document, but not the bytes that were signed: a server re-serialising would accept it.
        var mismatched = meta.post(PNID, rawBytes, MetaWebhooks.signature(MetaWebhooks.APP_SECRET, escapedBytes));
        var asMetaSendsIt =
                meta.post(PNID, escapedBytes, MetaWebhooks.signature(MetaWebhooks.APP_SECRET, escapedBytes));

        assertThat(mismatched.status()).isEqualTo(401);
        assertThat(asMetaSendsIt.status()).isEqualTo(200);
        Await.until(
                BOUND, "the connect handled", () -> !handledFor("wacid.umlaut").isEmpty());
        assertThat(handledFor("wacid.umlaut").getFirst()).isInstanceOf(WhatsAppEvent.CallConnected.class);
    }

    @Test
    void every_kind_of_delivery_is_handed_over_as_its_event() {
        var callId = "wacid.kinds";
        var deliveries = List.of(
                MetaWebhooks.connect(PNID, callId, USER, "v=0\r\n"),
                MetaWebhooks.status(PNID, callId, USER, "RINGING"),
                MetaWebhooks.status(PNID, callId, USER, "ACCEPTED"),
                MetaWebhooks.completed(PNID, callId, USER, 30L));
        for (var delivery : deliveries) {
            assertThat(meta.post(PNID, delivery).status()).isEqualTo(200);
        }
        var reply = MetaWebhooks.permissionReply(
                PNID, "wamid.kinds-reply", USER, "wamid.kinds-request", "accept", false, 1768550400L, false);
        assertThat(meta.post(PNID, reply).status()).isEqualTo(200);

        Await.until(BOUND, "four call events handled", () -> handledFor(callId).size() == 4);
        Await.until(
                BOUND,
                "the permission reply handled",
                () -> handled.stream()
                        .anyMatch(e -> e instanceof WhatsAppEvent.PermissionReply r
                                && r.messageId().equals("wamid.kinds-reply")));
        assertThat(handledFor(callId))
                .extracting(e -> e.getClass().getSimpleName())
                .containsExactlyInAnyOrder("CallConnected", "CallStatus", "CallStatus", "CallTerminated");
        assertThat(handledFor(callId)).allMatch(e -> e.phoneNumberId().equals(PNID));
    }

    @Test
    void a_redelivery_is_answered_200_and_reaches_the_handler_once() {
        var callId = "wacid.twice";
        var body = MetaWebhooks.status(PNID, callId, USER, "RINGING");

        var first = meta.post(PNID, body);
        var again = meta.post(PNID, body);

        assertThat(first.status()).isEqualTo(200);
        assertThat(again.status()).isEqualTo(200);
        Await.until(BOUND, "the event handled", () -> handledInInbox(callId + ":ringing"));
        assertThat(inboxRows(callId)).isEqualTo(1);
        assertThat(handledFor(callId)).hasSize(1);
    }

    @Test
    void an_event_whose_handling_threw_is_handed_again_by_the_drain() {
        var callId = "wacid.retried";
        failOnce.add(callId);

        assertThat(meta.post(PNID, MetaWebhooks.status(PNID, callId, USER, "ACCEPTED"))
                        .status())
                .isEqualTo(200);

        Await.until(BOUND, "the event handled after a failure", () -> handledInInbox(callId + ":accepted"));
        assertThat(handledFor(callId)).hasSize(2);
        assertThat(fixtures.queryOne(
                        "SELECT attempts FROM whatsapp_inbox WHERE dedupe_key = :key",
                        Map.of("key", callId + ":accepted"),
                        Integer.class))
                .isEqualTo(2);
    }

    @Test
    void events_for_a_number_that_is_not_an_account_of_the_workspace_are_ignored() {
        var otherWorkspace = server.client(server.newWorkspaceKey("Someone else"));
        var theirs = "108000000000099";
        MetaWebhooks.importAccount(otherWorkspace, theirs, null);
        var callId = "wacid.not-ours";

        var response = meta.post(PNID, MetaWebhooks.status(theirs, callId, USER, "RINGING"));

        assertThat(response.status()).isEqualTo(200);
        assertThat(inboxRows(callId)).isZero();
        assertThat(handledFor(callId)).isEmpty();
    }
}
