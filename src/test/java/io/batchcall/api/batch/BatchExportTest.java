package io.batchcall.api.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.AgentReport;
import io.batchcall.domain.CallSuccessful;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.ConversationStore;
import io.batchcall.support.Await;
import io.batchcall.support.DirectDatabase;
import io.batchcall.support.Fixtures;
import io.batchcall.support.TestServer;
import io.batchcall.support.WithServer;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

@WithServer
class BatchExportTest {
    private static TestServer server;
    private static String batchId;

    @BeforeAll
    static void start() {
        var fixtures = new Fixtures(server);
        var agentId = fixtures.agent(TestServer.API_KEY, "Exporter");
        fixtures.phoneNumber(TestServer.API_KEY, agentId);
        var response = server.client().post("/v1/convai/batch-calling/submit", """
                {"call_name":"Export","agent_id":"%s","recipients":[
                  {"id":"a","phone_number":"+14155550100","conversation_initiation_client_data":
                    {"dynamic_variables":{"name":"Ann, \\"the\\" first","plan":"=HYPERLINK(\\"http://x\\")","age":41}}},
                  {"id":"b","phone_number":"+14155550101","conversation_initiation_client_data":
                    {"dynamic_variables":{"name":"Bob","city":"@Berlin","vip":true,"note":"line1\\nline2"}}},
                  {"id":"c","phone_number":"+14155550102"}],
                 "scheduled_time_unix":%d}""".formatted(
                        agentId, java.time.Instant.now().getEpochSecond() + 86_400));
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        batchId = response.json().get("id").asText();
    }

    @Test
    void the_export_is_csv_with_fixed_columns_then_every_variable_name_sorted() {
        var response = server.client().get("/v1/convai/batch-calling/" + batchId + "/export");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("text/csv"));
        var lines = response.body().split("\r\n", -1);
        assertThat(lines[0])
                .isEqualTo(
                        "id,phone_number,whatsapp_user_id,status,conversation_id,attempt_count,last_outcome,call_result,"
                                + "call_successful,transcript_summary,termination_reason,age,city,name,note,plan,vip");
        assertThat(lines[1])
                .isEqualTo("a,+14155550100,,pending,,0,,,,,,41,,\"Ann, \"\"the\"\" first\",,"
                        + "\"'=HYPERLINK(\"\"http://x\"\")\",");
        assertThat(lines[2]).isEqualTo("b,+14155550101,,pending,,0,,,,,,,'@Berlin,Bob,\"line1\nline2\",,true");
        assertThat(lines[3]).isEqualTo("c,+14155550102,,pending,,0,,,,,,,,,,,");
        assertThat(lines).hasSize(5);
        assertThat(lines[4]).isEmpty();
    }

    @Test
    void a_limit_exports_only_the_first_recipients_and_their_columns() {
        var response = server.client().get("/v1/convai/batch-calling/" + batchId + "/export?limit=1");

        var lines = response.body().split("\r\n");
        assertThat(lines).hasSize(2);
        assertThat(lines[0]).endsWith("termination_reason,age,name,plan");
        assertThat(lines[1]).startsWith("a,");
    }

    @Test
    void a_run_batch_exports_each_call_result_the_agents_analysis_and_a_column_per_data_collection_id() {
        var fixtures = new Fixtures(server);
        var agentId = fixtures.agent(TestServer.API_KEY, "Reporter");
        fixtures.phoneNumber(TestServer.API_KEY, agentId);
        var submitted = server.client().post("/v1/convai/batch-calling/submit", """
                {"call_name":"Run","agent_id":"%s","recipients":[
                  {"id":"a","phone_number":"+14155550100","conversation_initiation_client_data":
                    {"dynamic_variables":{"sim_outcome":"completed","sim_talk_ms":0}}},
                  {"id":"b","phone_number":"+14155550101","conversation_initiation_client_data":
                    {"dynamic_variables":{"sim_outcome":"busy"}}}]}""".formatted(agentId));
        var batch = submitted.json().get("id").asText();
        Await.until(
                Duration.ofSeconds(20),
                "the batch completes",
                () -> server.client().batchStatus(batch).equals("completed"));
        var answered =
                server.client().get("/v1/convai/batch-calling/" + batch).json().at("/recipients/0");
        try (var database = new DirectDatabase(server)) {
            new ConversationStore(database.database(), Clock.systemUTC(), IdSource.secure())
                    .report(
                            new WorkspaceId(fixtures.workspaceOf(TestServer.API_KEY)),
                            answered.get("conversation_id").asText(),
                            new AgentReport(
                                    Optional.empty(),
                                    Optional.of(CallSuccessful.SUCCESS),
                                    Optional.of("Wants =gold"),
                                    Optional.of("{\"plan\":{\"data_collection_id\":\"plan\",\"value\":\"gold\","
                                            + "\"rationale\":\"\"},\"age\":{\"data_collection_id\":\"age\",\"value\":41,"
                                            + "\"rationale\":\"\"}}"),
                                    Optional.empty(),
                                    Optional.of("end_call tool was called.")));
        }

        var lines = server.client()
                .get("/v1/convai/batch-calling/" + batch + "/export")
                .body()
                .split("\r\n");

        assertThat(lines[0])
                .isEqualTo("id,phone_number,whatsapp_user_id,status,conversation_id,attempt_count,"
                        + "last_outcome,call_result,call_successful,transcript_summary,termination_reason,sim_outcome,"
                        + "sim_talk_ms,data_collection.age,data_collection.plan");
        assertThat(lines[1])
                .startsWith("a,+14155550100,,completed,conv_")
                .endsWith(",1,completed,answered,success,Wants =gold,end_call tool was called.,completed,0,41,gold");
        assertThat(lines[2]).startsWith("b,+14155550101,,failed,conv_").endsWith(",1,busy,busy,failure,,busy,busy,,,");
    }

    @Test
    void a_limit_below_one_is_a_422() {
        var response = server.client().get("/v1/convai/batch-calling/" + batchId + "/export?limit=0");

        assertThat(response.status()).isEqualTo(422);
        assertThat(response.json().at("/detail/0/loc").toString()).isEqualTo("[\"query\",\"limit\"]");
    }
}
