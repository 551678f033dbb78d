package io.batchcall.api.twilio;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.Await;
import io.batchcall.support.FakeTwilio;
import io.batchcall.support.TestServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A node without BATCHCALL_PUBLIC_URL could never hear how a Twilio call went: it places none and says why. */
class TwilioWithoutPublicUrlTest {

    @Test
    void a_batch_on_a_twilio_number_fails_with_a_reason_naming_the_missing_setting_and_nobody_is_dialed() {
        try (var twilio = new FakeTwilio();
                var server = TestServer.start(Map.of("BATCHCALL_TWILIO_API_BASE", twilio.baseUrl()), List.of())) {
            var client = server.client();
            var agent = client.post(
                            "/v1/convai/agents/create",
                            "{\"name\":\"A\",\"media_stream_url\":\"wss://agent.example.test/media\"}")
                    .json()
                    .get("agent_id")
                    .asText();
            var number = client.post(
                            "/v1/convai/phone-numbers",
                            "{\"provider\":\"twilio\",\"phone_number\":"
                                    + "\"+14155550100\",\"label\":\"T\",\"sid\":\"" + FakeTwilio.ACCOUNT
                                    + "\",\"token\":\""
                                    + FakeTwilio.AUTH_TOKEN + "\"}")
                    .json()
                    .get("phone_number_id")
                    .asText();
            var batch = client.post(
                            "/v1/convai/batch-calling/submit",
                            "{\"call_name\":\"T\",\"agent_id\":\"" + agent
                                    + "\",\"agent_phone_number_id\":\"" + number
                                    + "\",\"recipients\":[{\"phone_number\":"
                                    + "\"+14155550101\"},{\"phone_number\":\"+14155550102\"}]}")
                    .json()
                    .get("id")
                    .asText();

            // The second recipient was claimed with the first (its paced slot a second later): it fails at its slot.
            Await.until(Duration.ofSeconds(30), "the batch and every recipient fail", () -> {
                var json = client.get("/v1/convai/batch-calling/" + batch).json();
                return json.get("status").asText().equals("failed")
                        && json.get("recipients").findValuesAsText("status").stream()
                                .allMatch("failed"::equals);
            });

            var failed = client.get("/v1/convai/batch-calling/" + batch).json();
            assertThat(failed.get("failure_reason").asText()).contains("BATCHCALL_PUBLIC_URL");
            assertThat(twilio.creates()).isEmpty();
        }
    }
}
