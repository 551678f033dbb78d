package io.batchcall;

import static io.batchcall.support.Body.array;
import static io.batchcall.support.Body.object;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.support.Await;
import io.batchcall.support.Body;
import io.batchcall.support.Fixtures;
import io.batchcall.support.TestServer;
import io.batchcall.support.WithServer;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 13's "Done when", through the API of a server started as the README says, with the simulator and the real
 * calling-window engine: retries spaced by their policy, a closed window holding while an open one dials, a number on
 * a do-not-call list never dialed, and a cap of one call a day keeping a number to one of two batches.
 */
@WithServer
class CampaignRulesDoneWhenTest {
    private static final String BASE = "/v1/convai/batch-calling/";
    private static final Duration BOUND = Duration.ofSeconds(30);
    private static TestServer server;
    private static Fixtures fixtures;
    private static String agentId;
    private static String numberId;

    @BeforeAll
    static void agentAndNumber() {
        fixtures = new Fixtures(server);
        agentId = fixtures.agent(TestServer.API_KEY, "Campaign rules");
        numberId = fixtures.phoneNumber(TestServer.API_KEY, agentId);
    }

    @Test
    void recipients_that_answer_busy_twice_then_complete_finish_with_three_attempts_spaced_by_the_policy() {
        var batch = submit(
                List.of(
                        simulated("r0", "+14155551000", "busy,busy,completed"),
                        simulated("r1", "+14155551001", "busy,busy,completed")),
                object(
                        "retry_policy",
                        object("max_attempts", 3, "retry_on", array("busy"), "delay_seconds", object("busy", 1))));

        awaitStatus(batch, "completed");

        var attempts = attempts(batch);
        for (var recipient : List.of("r0", "r1")) {
            var own = attempts.stream()
                    .filter(a -> a.get("recipient_id").asText().equals(recipient))
                    .sorted(java.util.Comparator.comparingInt(
                            a -> a.get("attempt_number").asInt()))
                    .toList();
            assertThat(own).extracting(a -> a.get("outcome").asText()).containsExactly("busy", "busy", "completed");
            for (int i = 1; i < own.size(); i++) {
                // The next dial is claimed no sooner than the policy's delay after the previous call ended.
                assertThat(own.get(i).get("claimed_at_unix_ms").asLong()
                                - own.get(i - 1).get("ended_at_unix_ms").asLong())
                        .as("the wait before dial %d of %s in %s", i + 1, recipient, own)
                        .isGreaterThanOrEqualTo(1_000);
            }
        }
        assertThat(recipients(batch))
                .allSatisfy(r -> assertThat(r.get("status").asText()).isEqualTo("completed"));
    }

    @Test
    void a_closed_window_holds_its_recipient_until_it_opens_while_a_recipient_whose_window_is_open_is_dialed() {
        // A window of 09:00 to 17:00 every day; the open recipient's zone puts it at about noon now, the closed
        // one's at about 18:00 or 06:00 (fixed-offset zones, so that no DST moves the expected opening).
        var now = Instant.now();
        int utcHour = now.atZone(ZoneOffset.UTC).getHour();
        int openOffset = 12 - utcHour;
        int closedOffset = openOffset <= 8 ? openOffset + 6 : openOffset - 6;
        var openZone = etcZone(openOffset);
        var closedZone = etcZone(closedOffset);
        var batch = submit(
                List.of(
                        simulated("open", "+14155552000", "completed").field("timezone", openZone),
                        simulated("closed", "+14155552001", "completed").field("timezone", closedZone)),
                object("calling_window", object("start", "09:00", "end", "17:00")));

        Await.until(
                BOUND,
                "the open recipient's call completes",
                () -> recipient(batch, "open").get("status").asText().equals("completed"));

        var held = recipient(batch, "closed");
        assertThat(held.get("status").asText()).isEqualTo("pending");
        assertThat(held.get("hold_reason").asText()).isEqualTo("outside_window");
        assertThat(held.get("timezone").asText()).isEqualTo(closedZone);
        assertThat(held.get("timezone_source").asText()).isEqualTo("recipient");
        assertThat(held.get("next_attempt_at_unix").asLong())
                .isEqualTo(nextNineOClock(now, ZoneId.of(closedZone)).getEpochSecond());
        assertThat(attempts(batch))
                .extracting(a -> a.get("recipient_id").asText())
                .containsExactly("open");
        var dial = attempts(batch).get(0);
        assertThat(dial.toString()).contains(openZone);
        assertThat(server.client()
                        .get(BASE + batch)
                        .json()
                        .get("next_window_opens_at_unix")
                        .asLong())
                .isEqualTo(held.get("next_attempt_at_unix").asLong());
    }

    @Test
    void a_number_on_a_do_not_call_list_ends_cancelled_as_dnc_without_a_dial() {
        var list = server.client()
                .post("/v1/batchcall/suppression-lists", object("name", "Litigators"))
                .json()
                .get("list_id")
                .asText();
        var added = server.client()
                .post("/v1/batchcall/suppression-lists/" + list + "/entries", object("numbers", array("+14155553001")));
        assertThat(added.status()).as(added.toString()).isEqualTo(200);

        var batch = submit(
                List.of(
                        simulated("allowed", "+14155553000", "completed"),
                        simulated("listed", "+14155553001", "completed")),
                object());

        awaitStatus(batch, "completed");
        var listed = recipient(batch, "listed");
        assertThat(listed.get("status").asText()).isEqualTo("cancelled");
        assertThat(listed.get("skip_reason").asText()).isEqualTo("dnc");
        assertThat(recipient(batch, "allowed").get("status").asText()).isEqualTo("completed");
        assertThat(attempts(batch))
                .extracting(a -> a.get("recipient_id").asText())
                .containsExactly("allowed");
    }

    @Test
    void a_cap_of_one_call_a_day_lets_only_one_of_two_batches_call_the_same_number() {
        var caps = server.client()
                .put(
                        "/v1/batchcall/workspace/frequency-caps",
                        object("frequency_caps", array(object("max", 1, "per_seconds", 86_400)))
                                .toString());
        assertThat(caps.status()).as(caps.toString()).isEqualTo(200);
        try {
            var first = submit(List.of(simulated("r0", "+14155554000", "completed")), object());
            var second = submit(List.of(simulated("r0", "+14155554000", "completed")), object());

            Await.until(BOUND, "one of the two batches completes and the other holds its recipient", () -> {
                var statuses = List.of(
                        recipient(first, "r0").get("status").asText(),
                        recipient(second, "r0").get("status").asText());
                return statuses.contains("completed")
                        && statuses.contains("pending")
                        && List.of(recipient(first, "r0"), recipient(second, "r0")).stream()
                                .anyMatch(r -> "frequency_cap"
                                        .equals(r.path("hold_reason").asText()));
            });
            assertThat(attempts(first).size() + attempts(second).size()).isEqualTo(1);
            var held = recipient(first, "r0").get("status").asText().equals("pending")
                    ? recipient(first, "r0")
                    : recipient(second, "r0");
            // Released a day after the one call was claimed, not before.
            assertThat(held.get("next_attempt_at_unix").asLong())
                    .isGreaterThanOrEqualTo(
                            Instant.now().plus(Duration.ofHours(23)).getEpochSecond());
        } finally {
            server.client().put("/v1/batchcall/workspace/frequency-caps", "{\"frequency_caps\":[]}");
        }
    }

    /** {@code Etc/GMT-5} is five hours ahead of UTC: the IANA names count the other way. */
    private static String etcZone(int offsetHours) {
        if (offsetHours == 0) {
            return "Etc/UTC";
        }
        return "Etc/GMT" + (offsetHours > 0 ? "-" : "+") + Math.abs(offsetHours);
    }

    private static Instant nextNineOClock(Instant now, ZoneId zone) {
        var local = now.atZone(zone);
        LocalDate day = local.toLocalTime().isBefore(LocalTime.of(9, 0))
                ? local.toLocalDate()
                : local.toLocalDate().plusDays(1);
        return day.atTime(9, 0).atZone(zone).toInstant();
    }

    private static Body simulated(String id, String phone, String outcomes) {
        return object(
                "id",
                id,
                "phone_number",
                phone,
                "conversation_initiation_client_data",
                object("dynamic_variables", object("sim_outcome", outcomes, "sim_ring_ms", 0, "sim_talk_ms", 50)));
    }

    private static String submit(List<Body> recipients, Body extensions) {
        var body = object(
                "call_name",
                "Campaign rules",
                "agent_id",
                agentId,
                "agent_phone_number_id",
                numberId,
                "recipients",
                array(recipients.toArray()));
        body.setAll(extensions);
        var response = server.client().post(BASE + "submit", body);
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json().get("id").asText();
    }

    private static void awaitStatus(String batch, String status) {
        Await.until(
                BOUND,
                "batch " + batch + " is " + status,
                () -> server.client().batchStatus(batch).equals(status));
    }

    private static List<JsonNode> recipients(String batch) {
        var out = new ArrayList<JsonNode>();
        server.client().get(BASE + batch).json().get("recipients").forEach(out::add);
        return out;
    }

    private static JsonNode recipient(String batch, String id) {
        return recipients(batch).stream()
                .filter(r -> r.get("id").asText().equals(id))
                .findFirst()
                .orElseThrow();
    }

    private static List<JsonNode> attempts(String batch) {
        var out = new ArrayList<JsonNode>();
        server.client()
                .get(BASE + batch + "/attempts?limit=1000")
                .json()
                .get("attempts")
                .forEach(out::add);
        out.sort(java.util.Comparator.comparingLong(
                a -> a.get("dialed_at_unix_ms").asLong()));
        return out;
    }
}
