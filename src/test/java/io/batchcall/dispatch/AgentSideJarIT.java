package io.batchcall.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.ApiClient;
import io.batchcall.support.Await;
import io.batchcall.support.JarNode;
import io.batchcall.support.TestAgent;
import io.batchcall.support.TestDatabase;
import io.batchcall.support.TestServer;
import io.batchcall.wire.WireJson;
import java.time.Duration;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/**
 * The README's agent against the built jar: a simulator batch whose agent has a media_stream_url. Each answered
 * simulated call opens the agent's WebSocket and sends Twilio's start message, as a Twilio call would; the agent
 * reads its data with the token from that message and reports. The report shows in GET conversation, the export
 * and the one post_call_transcription of each answered or voicemail call (read from the outbox: delivering it is
 * the webhook sender's job).
 */
class AgentSideJarIT {
    private static final String KEY = "bc_agent_side_jar_test_key_0001";

    @Test
    void a_minimal_agent_reads_its_variables_with_the_token_and_its_report_reaches_conversation_export_and_event()
            throws Exception {
        var databaseUrl = TestDatabase.freshDatabaseUrl();
        try (var node = JarNode.start(
                        Map.of(
                                "BATCHCALL_DATABASE_URL",
                                databaseUrl,
                                "BATCHCALL_DATABASE_USER",
                                "postgres",
                                "BATCHCALL_API_KEY",
                                KEY,
                                "BATCHCALL_DATA_DIR",
                                TestServer.tempDirectory().toString(),
                                "BATCHCALL_SIMULATOR_RING_MS",
                                "50",
                                "BATCHCALL_SIMULATOR_TALK_MS",
                                "1500",
                                "BATCHCALL_POST_CALL_WAIT_SECS",
                                "2",
                                // The test agent listens on loopback, which the egress policy refuses unless told
                                // otherwise.
                                "BATCHCALL_ALLOW_PRIVATE_NETWORKS",
                                "true"),
                        Duration.ofSeconds(60));
                // Without BATCHCALL_PUBLIC_URL the URL comes as a path: the agent is told the server's address.
                var agent = TestAgent.start("http://127.0.0.1:" + node.port())) {
            var api = ApiClient.withKey(node.port(), KEY);
            var agentId = api.post(
                            "/v1/convai/agents/create",
                            "{\"name\":\"Greeter\",\"media_stream_url\":\"" + agent.mediaStreamUrl() + "\"}")
                    .json()
                    .get("agent_id")
                    .asText();
            var numberId = api.post(
                            "/v1/convai/phone-numbers",
                            "{\"provider\":\"simulator\",\"phone_number\":" + "\"+14155550100\",\"label\":\"sim\"}")
                    .json()
                    .get("phone_number_id")
                    .asText();
            var batch = api.post("/v1/convai/batch-calling/submit", """
                    {"call_name":"Agent side","agent_id":"%s","agent_phone_number_id":"%s","recipients":[
                      {"id":"ann","phone_number":"+14155550123","conversation_initiation_client_data":
                        {"dynamic_variables":{"first_name":"Ann","sim_outcome":"completed"}}},
                      {"id":"bob","phone_number":"+14155550124","conversation_initiation_client_data":
                        {"dynamic_variables":{"first_name":"Bob","sim_outcome":"voicemail"}}},
                      {"id":"cy","phone_number":"+14155550125","conversation_initiation_client_data":
                        {"dynamic_variables":{"first_name":"Cy","sim_outcome":"busy"}}}]}""".formatted(agentId, numberId))
                    .json()
                    .get("id")
                    .asText();

            Await.until(
                    Duration.ofSeconds(30),
                    "the batch completes",
                    () -> api.batchStatus(batch).equals("completed"));
            Await.until(
                    Duration.ofSeconds(15),
                    "the agent reported both talked calls",
                    () -> agent.calls().size() == 2);

            var recipients = api.get("/v1/convai/batch-calling/" + batch).json().get("recipients");
            var ann = recipients.get(0).get("conversation_id").asText();
            var call = agent.calls().get(ann);
            assertThat(call.customParameters().get("var_first_name").asText()).isEqualTo("Ann");
            assertThat(call.customParameters().get("batch_id").asText()).isEqualTo(batch);
            assertThat(call.read().get("phone_number").asText()).isEqualTo("+14155550123");
            assertThat(call.reportStatus()).isEqualTo(200);

            var conversation = api.get("/v1/convai/conversations/" + ann).json();
            assertThat(conversation.at("/analysis/transcript_summary").asText()).isEqualTo("Greeted Ann");
            assertThat(conversation.at("/metadata/phone_call/call_result").asText())
                    .isEqualTo("answered");
            assertThat(conversation.at("/transcript/0/message").asText()).isEqualTo("Hello Ann");
            var export = api.get("/v1/convai/batch-calling/" + batch + "/export")
                    .body()
                    .split("\r\n");
            assertThat(export[0]).endsWith(",data_collection.greeted");
            assertThat(export[1])
                    .contains(",answered,success,Greeted Ann,end_call tool was called.,")
                    .endsWith(",Ann");

            var jdbi = Jdbi.create(databaseUrl, "postgres", "");
            Await.until(
                    Duration.ofSeconds(15),
                    "both post_call_transcription events are written",
                    () -> jdbi.withHandle(h -> h.createQuery(
                                            "SELECT count(*) FROM events WHERE type = 'post_call_transcription'")
                                    .mapTo(Integer.class)
                                    .one())
                            == 2);
            var events = jdbi.withHandle(h -> h.createQuery("""
                            SELECT conversation_id, body FROM events WHERE type = 'post_call_transcription'""")
                    .map((rs, ctx) -> Map.entry(rs.getString("conversation_id"), rs.getString("body")))
                    .list());
            var annEvent = WireJson.MAPPER.readTree(events.stream()
                    .filter(e -> e.getKey().equals(ann))
                    .findFirst()
                    .orElseThrow()
                    .getValue());
            assertThat(annEvent.at("/data/analysis/transcript_summary").asText())
                    .isEqualTo("Greeted Ann");
            assertThat(annEvent.at("/data/conversation_id").asText()).isEqualTo(ann);
            assertThat(events)
                    .extracting(Map.Entry::getKey)
                    .doesNotContain(recipients.get(2).get("conversation_id").asText());
        }
    }
}
