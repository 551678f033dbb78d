package io.batchcall.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.Fixtures;
import io.batchcall.support.TestServer;
import io.batchcall.support.WithServer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A flight recording of the server (JFR, as an operator or a profile takes one) shows each SQL statement's text and
 * time, and none of the phone numbers or client data bound to them.
 */
@WithServer
class StatementRecordingTest {
    private static final String NUMBER = "+14155550177";
    private static final String NAME = "Ada Recorded-7731";
    private static TestServer server;

    @TempDir
    Path directory;

    @Test
    void a_recording_of_a_submit_shows_its_statements_without_the_recipients_numbers_or_client_data()
            throws IOException {
        var fixtures = new Fixtures(server);
        var agentId = fixtures.agent(TestServer.API_KEY, "Recorded");
        var numberId = fixtures.phoneNumber(TestServer.API_KEY, agentId);
        List<RecordedEvent> events;
        try (var recording = new Recording()) {
            // Both asked for by name, as a recording whose settings name every event would.
            recording.enable("jdbi.statement");
            recording.enable(SqlStatementEvent.NAME);
            recording.start();
            var response = server.client()
                    .post(
                            "/v1/convai/batch-calling/submit",
                            "{\"call_name\":\"Recorded\",\"agent_id\":\"" + agentId
                                    + "\",\"agent_phone_number_id\":\"" + numberId
                                    + "\",\"recipients\":[{\"phone_number\":\"" + NUMBER + "\","
                                    + "\"conversation_initiation_client_data\":{\"dynamic_variables\":{\"name\":\""
                                    + NAME + "\"}}}],\"scheduled_time_unix\":"
                                    + (Instant.now().getEpochSecond() + 86_400) + "}");
            assertThat(response.status()).as(response.toString()).isEqualTo(200);
            recording.stop();
            var file = directory.resolve("server.jfr");
            recording.dump(file);
            events = RecordingFile.readAllEvents(file);
        }

        assertThat(events)
                .as("Jdbi's own event, which renders the bound values")
                .noneMatch(event -> event.getEventType().getName().equals("jdbi.statement"));
        var insert = events.stream()
                .filter(event -> event.getEventType().getName().equals(SqlStatementEvent.NAME))
                .filter(event -> event.getString("sql").contains("INSERT INTO recipients"))
                .toList();
        assertThat(insert).as("the recipients' INSERT, recorded").isNotEmpty();
        assertThat(insert.getFirst().getString("sql")).contains(":phoneNumbers").contains(":clientData");
        assertThat(insert.getFirst().getBoolean("failed")).isFalse();
        assertThat(insert.getFirst().getDuration()).isPositive();
        assertThat(events)
                .as("no event holds the recipient's number or client data")
                .allSatisfy(event ->
                        assertThat(event.toString()).doesNotContain(NUMBER).doesNotContain(NAME));
    }
}
