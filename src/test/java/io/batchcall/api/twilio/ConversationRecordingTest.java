package io.batchcall.api.twilio;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.ApiClient;
import io.batchcall.support.Await;
import io.batchcall.support.FakeTwilio;
import io.batchcall.support.Fixtures;
import io.batchcall.support.TestServer;
import io.batchcall.support.TwilioCallbacks;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A recorded Twilio batch call, end to end: the create asks Twilio for the recording callback, the callback's
 * RecordingSid lands on the conversation, GET .../audio streams the MP3 from (fake) Twilio with the number's
 * credentials, and DELETE refuses while the call runs and removes the conversation once it has ended.
 */
class ConversationRecordingTest {
    private static final Duration BOUND = Duration.ofSeconds(30);
    private static final String RECORDING = "RE00000000000000000000000000000042";
    private static final String MP3 = "ID3 fake mp3 frames";

    private static FakeTwilio twilio;
    private static TestServer server;
    private static Fixtures fixtures;
    private static TwilioCallbacks callbacks;
    private static ApiClient api;

    @BeforeAll
    static void start() {
        twilio = new FakeTwilio();
        server = TestServer.start(
                Map.of(
                        "BATCHCALL_TWILIO_API_BASE",
                        twilio.baseUrl(),
                        "BATCHCALL_PUBLIC_URL",
                        TwilioCallingTest.PUBLIC_URL),
                List.of());
        fixtures = new Fixtures(server);
        callbacks = new TwilioCallbacks(TwilioCallingTest.PUBLIC_URL, server.port(), FakeTwilio.AUTH_TOKEN);
        api = server.client();
    }

    @AfterAll
    static void stop() {
        server.close();
        twilio.close();
    }

    @Test
    void a_recorded_call_serves_its_audio_from_twilio_and_is_deleted_only_once_it_has_ended() {
        var agentId = api.post(
                        "/v1/convai/agents/create",
                        "{\"name\":\"Recorder\",\"media_stream_url\":\"wss://agent.example.test/media\"}")
                .json()
                .get("agent_id")
                .asText();
        var numberId = api.post(
                        "/v1/convai/phone-numbers",
                        "{\"provider\":\"twilio\",\"phone_number\":"
                                + "\"+14155550177\",\"label\":\"Rec\",\"sid\":\"" + FakeTwilio.ACCOUNT
                                + "\",\"token\":\""
                                + FakeTwilio.AUTH_TOKEN + "\"}")
                .json()
                .get("phone_number_id")
                .asText();
        var branchId = fixtures.branch(TestServer.API_KEY, agentId, "recorded");
        var to = "+14155559901";
        var submitted = api.post(
                "/v1/convai/batch-calling/submit",
                "{\"call_name\":\"Recorded\",\"agent_id\":\""
                        + agentId + "\",\"agent_phone_number_id\":\"" + numberId + "\",\"branch_id\":\"" + branchId
                        + "\",\"recipients\":[{\"phone_number\":\"" + to + "\"}],"
                        + "\"telephony_call_config\":{\"twilio_call_recording_enabled\":true}}");
        assertThat(submitted.status()).as(submitted.toString()).isEqualTo(200);
        var batchId = submitted.json().get("id").asText();
        Await.until(
                BOUND, "the create request", () -> twilio.creates().stream().anyMatch(c -> to.equals(c.field("To"))));
        var create = twilio.creates().stream()
                .filter(c -> to.equals(c.field("To")))
                .findFirst()
                .orElseThrow();
        assertThat(create.field("Record")).isEqualTo("true");
        assertThat(create.field("RecordingStatusCallback")).isEqualTo(create.field("StatusCallback"));
        Await.until(BOUND, "the conversation opens", () -> conversationId(batchId) != null);
        var conversation = "/v1/convai/conversations/" + conversationId(batchId);

        var whileRinging = api.delete(conversation);
        var noAudioYet = api.get(conversation + "/audio");

        assertThat(whileRinging.status()).as(whileRinging.toString()).isEqualTo(409);
        assertThat(whileRinging.json().at("/detail/status").asText()).isEqualTo("conversation_in_progress");
        assertThat(noAudioYet.status()).isEqualTo(404);
        assertThat(noAudioYet.json().at("/detail/status").asText()).isEqualTo("audio_not_found");

        assertThat(callbacks.status(create, 1, "in-progress", Map.of())).isEqualTo(204);
        assertThat(callbacks.status(create, 2, "completed", Map.of("CallDuration", "12")))
                .isEqualTo(204);
        Await.until(BOUND, "the batch completes", () -> api.batchStatus(batchId).equals("completed"));
        assertThat(recordingCallback(create)).isEqualTo(204);
        twilio.stub(
                get(urlPathEqualTo("/2010-04-01/Accounts/" + FakeTwilio.ACCOUNT + "/Recordings/" + RECORDING + ".mp3"))
                        .willReturn(aResponse()
                                .withStatus(200)
                                .withHeader("Content-Type", "audio/mpeg")
                                .withBody(MP3)));

        var audio = api.get(conversation + "/audio");
        var shown = api.get(conversation).json();

        assertThat(audio.status()).as(audio.toString()).isEqualTo(200);
        assertThat(audio.headers().firstValue("Content-Type")).hasValue("audio/mpeg");
        assertThat(audio.body()).isEqualTo(MP3);
        assertThat(twilio.requests())
                .filteredOn(r -> r.path().endsWith(RECORDING + ".mp3"))
                .singleElement()
                .satisfies(r -> assertThat(r.authorization()).startsWith("Basic "));
        assertThat(shown.get("has_audio").asBoolean()).isTrue();
        assertThat(shown.get("has_user_audio").asBoolean()).isFalse();
        assertThat(shown.get("branch_id").asText()).isEqualTo(branchId);
        assertThat(shown.at("/metadata/phone_call/call_result").asText()).isEqualTo("answered");
        assertThat(api.get("/v1/convai/conversations?branch_id=" + branchId)
                        .json()
                        .at("/conversations/0/" + "conversation_id")
                        .asText())
                .isEqualTo(shown.get("conversation_id").asText());

        var deleted = api.delete(conversation);

        assertThat(deleted.status()).as(deleted.toString()).isEqualTo(200);
        assertThat(deleted.json().toString()).isEqualTo("{}");
        assertThat(api.get(conversation).status()).isEqualTo(404);
        assertThat(api.get(conversation + "/audio").json().at("/detail/status").asText())
                .isEqualTo("conversation_not_found");
        assertThat(api.delete(conversation).status()).isEqualTo(404);
    }

    @Test
    void audio_twilio_no_longer_has_is_a_404() {
        var agentId = api.post(
                        "/v1/convai/agents/create",
                        "{\"name\":\"Gone\",\"media_stream_url\":\"wss://agent.example.test/media\"}")
                .json()
                .get("agent_id")
                .asText();
        var numberId = api.post(
                        "/v1/convai/phone-numbers",
                        "{\"provider\":\"twilio\",\"phone_number\":"
                                + "\"+14155550178\",\"label\":\"Rec2\",\"sid\":\"" + FakeTwilio.ACCOUNT
                                + "\",\"token\":\""
                                + FakeTwilio.AUTH_TOKEN + "\"}")
                .json()
                .get("phone_number_id")
                .asText();
        var to = "+14155559902";
        var batchId = api.post(
                        "/v1/convai/batch-calling/submit",
                        "{\"call_name\":\"Gone\",\"agent_id\":\""
                                + agentId + "\",\"agent_phone_number_id\":\"" + numberId
                                + "\",\"recipients\":[{\"phone_number\":\""
                                + to + "\"}],\"telephony_call_config\":{\"twilio_call_recording_enabled\":true}}")
                .json()
                .get("id")
                .asText();
        Await.until(BOUND, "the conversation opens", () -> conversationId(batchId) != null);
        var create = twilio.creates().stream()
                .filter(c -> to.equals(c.field("To")))
                .findFirst()
                .orElseThrow();
        assertThat(recordingCallback(create)).isEqualTo(204);
        // No stub for this recording: WireMock answers 404, as Twilio does for a deleted recording.

        var audio = api.get("/v1/convai/conversations/" + conversationId(batchId) + "/audio");

        assertThat(audio.status()).isEqualTo(404);
        assertThat(audio.json().at("/detail/status").asText()).isEqualTo("audio_not_found");
    }

    private static int recordingCallback(FakeTwilio.Sent create) {
        var params = new LinkedHashMap<String, String>();
        params.put("AccountSid", FakeTwilio.ACCOUNT);
        params.put("CallSid", create.sid());
        params.put(
                "RecordingSid",
                create.field("To").equals("+14155559901") ? RECORDING : "RE00000000000000000000000000000043");
        params.put(
                "RecordingUrl",
                "https://api.twilio.com/2010-04-01/Accounts/" + FakeTwilio.ACCOUNT + "/Recordings/"
                        + params.get("RecordingSid"));
        params.put("RecordingStatus", "completed");
        params.put("RecordingDuration", "12");
        params.put("RecordingChannels", "1");
        params.put("RecordingSource", "OutboundAPI");
        var url = create.field("RecordingStatusCallback");
        return callbacks.send(url, params, TwilioCallbacks.sign(url, params, FakeTwilio.AUTH_TOKEN));
    }

    private static String conversationId(String batchId) {
        return fixtures
                .queryList(
                        "SELECT conversation_id FROM recipients WHERE batch_id = :b",
                        Map.of("b", batchId),
                        String.class)
                .stream()
                .filter(id -> id != null)
                .findFirst()
                .orElse(null);
    }
}
