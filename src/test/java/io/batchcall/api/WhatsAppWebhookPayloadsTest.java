package io.batchcall.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.MetaWebhooks;
import io.batchcall.telephony.whatsapp.WhatsAppEvent;
import io.batchcall.telephony.whatsapp.WhatsAppEvent.CallConnected;
import io.batchcall.telephony.whatsapp.WhatsAppEvent.CallStatus;
import io.batchcall.telephony.whatsapp.WhatsAppEvent.CallTerminated;
import io.batchcall.telephony.whatsapp.WhatsAppEvent.GraphError;
import io.batchcall.telephony.whatsapp.WhatsAppEvent.PermissionReply;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Meta's webhook payloads, in the reference's shapes, read into the events the WhatsApp provider handles. */
class WhatsAppWebhookPayloadsTest {
    private static final String PNID = "106540352242922";
    private static final String USER = "4915112345678";
    private static final String CALL = "wacid.HBgLMTIxNjU1NTAxMDAVAgARGBI";
    private static final Instant FALLBACK = Instant.parse("2030-01-01T00:00:00Z");

    private static List<WhatsAppEvent> parse(String payload) {
        return WhatsAppWebhookPayloads.parse(MetaWebhooks.tree(payload), FALLBACK);
    }

    @Test
    void a_connect_carries_the_sdp_answer_the_user_and_our_opaque_data() {
        var sdp = "v=0\r\no=- 1 2 IN IP4 157.240.0.1\r\ns=-\r\n";

        assertThat(parse(MetaWebhooks.connect(PNID, CALL, USER, sdp)))
                .containsExactly(new CallConnected(
                        PNID, CALL, USER, sdp, Optional.of("attempt-1"), Instant.ofEpochSecond(1767168000L)));
    }

    @Test
    void each_call_status_is_read_and_keyed_by_call_and_status() {
        for (var status : CallStatus.Status.values()) {
            var events = parse(MetaWebhooks.status(PNID, CALL, USER, status.name()));

            assertThat(events)
                    .containsExactly(new CallStatus(
                            PNID, CALL, USER, status, Optional.of("attempt-1"), Instant.ofEpochSecond(1767168001L)));
            assertThat(events.getFirst().dedupeKey())
                    .isEqualTo(CALL + ":" + status.name().toLowerCase());
        }
    }

    @Test
    void a_completed_call_that_was_picked_up_has_its_duration_and_one_that_was_not_has_none() {
        var talked = (CallTerminated)
                parse(MetaWebhooks.completed(PNID, CALL, USER, 42L)).getFirst();
        var unanswered = (CallTerminated)
                parse(MetaWebhooks.completed(PNID, CALL, USER, null)).getFirst();

        assertThat(talked.status()).isEqualTo(CallTerminated.Termination.COMPLETED);
        assertThat(talked.durationSeconds()).contains(42L);
        assertThat(talked.errors()).isEmpty();
        assertThat(unanswered.status()).isEqualTo(CallTerminated.Termination.COMPLETED);
        assertThat(unanswered.durationSeconds()).isEmpty();
        assertThat(unanswered.userWaId()).isEqualTo(USER);
    }

    @Test
    void a_failed_call_carries_metas_errors_with_their_details() {
        var failed = (CallTerminated) parse(MetaWebhooks.failed(PNID, CALL, USER, 138021, "Receiver is busy"))
                .getFirst();

        assertThat(failed.status()).isEqualTo(CallTerminated.Termination.FAILED);
        assertThat(failed.errors())
                .containsExactly(new GraphError(138021, "Call failed", Optional.of("Receiver is busy")));
        assertThat(failed.durationSeconds()).isEmpty();
    }

    @Test
    void a_temporary_grant_has_its_expiry_and_the_request_it_answers() {
        var reply = parse(MetaWebhooks.permissionReply(
                PNID, "wamid.reply1", USER, "wamid.request1", "accept", false, 1768550400L, false));

        assertThat(reply)
                .containsExactly(new PermissionReply(
                        PNID,
                        "wamid.reply1",
                        USER,
                        Optional.of("wamid.request1"),
                        true,
                        false,
                        Optional.of(Instant.ofEpochSecond(1768550400L)),
                        false,
                        Instant.ofEpochSecond(1767168000L)));
        assertThat(reply.getFirst().dedupeKey()).isEqualTo("message:wamid.reply1");
    }

    @Test
    void a_permanent_grant_has_no_expiry_and_a_reject_is_no_grant() {
        var permanent = (PermissionReply)
                parse(MetaWebhooks.permissionReply(PNID, "wamid.p", USER, null, "accept", true, null, false))
                        .getFirst();
        var rejected = (PermissionReply)
                parse(MetaWebhooks.permissionReply(PNID, "wamid.r", USER, "wamid.q", "reject", false, null, false))
                        .getFirst();

        assertThat(permanent.accepted()).isTrue();
        assertThat(permanent.permanent()).isTrue();
        assertThat(permanent.expiresAt()).isEmpty();
        assertThat(permanent.requestMessageId()).isEmpty();
        assertThat(rejected.accepted()).isFalse();
        assertThat(rejected.requestMessageId()).contains("wamid.q");
    }

    @Test
    void an_automatic_revoke_is_a_reject_marked_automatic_without_a_request() {
        var revoke = (PermissionReply)
                parse(MetaWebhooks.permissionReply(PNID, "wamid.v", USER, null, "reject", false, null, true))
                        .getFirst();

        assertThat(revoke.accepted()).isFalse();
        assertThat(revoke.automatic()).isTrue();
        assertThat(revoke.requestMessageId()).isEmpty();
    }

    @Test
    void the_expiry_is_read_under_each_of_its_spellings() {
        for (var spelling : List.of("expiration_timestamp", "expiration_time", "expiration")) {
            var payload = MetaWebhooks.permissionReply(PNID, "wamid.e", USER, null, "accept", false, 1768550400L, false)
                    .replace("\"expiration_timestamp\":\"1768550400\"", "\"" + spelling + "\":1768550400");

            var reply = (PermissionReply) parse(payload).getFirst();

            assertThat(reply.expiresAt()).as(spelling).contains(Instant.ofEpochSecond(1768550400L));
        }
    }

    @Test
    void unknown_fields_kinds_and_message_statuses_are_skipped_not_refused() {
        var payload = """
                {"object":"whatsapp_business_account","unknown":1,"entry":[{"id":"1","changes":[
                  {"field":"account_update","value":{"metadata":{"phone_number_id":"%1$s"}}},
                  {"field":"messages","value":{"metadata":{"phone_number_id":"%1$s"},
                    "statuses":[{"id":"wamid.s","status":"delivered","timestamp":"1"}],
                    "messages":[{"from":"%2$s","id":"wamid.t","type":"text","text":{"body":"hi"}}]}},
                  {"field":"calls","value":{"metadata":{"phone_number_id":"%1$s"},
                    "calls":[{"id":"%3$s","event":"future_event","timestamp":"1"},{"event":"connect"}],
                    "statuses":[{"id":"%3$s","type":"call","status":"SOMETHING_NEW"}]}}]}]}""".formatted(PNID, USER, CALL);

        assertThat(parse(payload)).isEmpty();
    }

    @Test
    void a_missing_timestamp_takes_the_time_of_receipt() {
        var payload = MetaWebhooks.status(PNID, CALL, USER, "RINGING").replace("\"timestamp\":\"1767168001\",", "");

        assertThat(parse(payload).getFirst())
                .extracting(e -> ((CallStatus) e).at())
                .isEqualTo(FALLBACK);
    }
}
