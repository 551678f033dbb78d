package io.batchcall.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.domain.Provider;
import io.batchcall.support.TestDatabase;
import io.batchcall.wire.WireJson;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every change of a batch's or a recipient's status, and every dial that failed to start a conversation, writes its
 * event in the same transaction as the change: in causal order per recipient, the batch's completion after all of
 * its recipients' events, each body complete and parseable.
 */
class OutboxEventsTest {
    private Engine engine;

    @BeforeEach
    void start() {
        engine = Engine.start(TestDatabase.freshDatabaseUrl());
    }

    @AfterEach
    void stop() {
        engine.close();
    }

    private record Event(long seq, String type, String key, JsonNode body) {}

    private List<Event> events(String batch) {
        return engine.jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT seq, type, ordering_key, body FROM events WHERE batch_id = :b ORDER BY seq""")
                .bind("b", batch)
                .map((rs, ctx) -> {
                    try {
                        return new Event(
                                rs.getLong("seq"),
                                rs.getString("type"),
                                rs.getString("ordering_key"),
                                WireJson.MAPPER.readTree(rs.getString("body")));
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                })
                .list());
    }

    @Test
    void a_batch_with_mixed_outcomes_writes_each_recipients_moves_in_order_and_completes_after_them_all() {
        var workspace = engine.workspace(20);
        var agent = engine.agent(workspace, Optional.empty());
        var number = engine.number(workspace, Provider.SIMULATOR, "1000");
        var batch = engine.submit(
                workspace,
                agent,
                number,
                Optional.empty(),
                engine.clock.instant(),
                List.of(
                        "{\"sim_outcome\":\"completed\"}",
                        "{\"sim_outcome\":\"busy\"}",
                        "{\"sim_outcome\":\"voicemail\"}",
                        "{\"sim_outcome\":\"no_answer\"}"));

        engine.runUntilIdle(Duration.ofMillis(500), 200);
        assertThat(engine.batchStatus(batch)).isEqualTo("completed");

        var events = events(batch);
        assertThat(events.getFirst().type()).isEqualTo("batch.created");
        assertThat(events.getLast().type()).isEqualTo("batch.completed");
        assertThat(events).filteredOn(e -> e.type().equals("batch.started")).hasSize(1);
        var perRecipient = events.stream()
                .filter(e -> e.type().startsWith("recipient."))
                .collect(Collectors.groupingBy(
                        e -> e.body().get("data").get("recipient").get("id").asText(),
                        Collectors.mapping(Event::type, Collectors.toList())));
        assertThat(perRecipient)
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "r0",
                                List.of(
                                        "recipient.dispatched",
                                        "recipient.initiated",
                                        "recipient.in_progress",
                                        "recipient.completed"),
                        "r1", List.of("recipient.dispatched", "recipient.initiated", "recipient.failed"),
                        "r2",
                                List.of(
                                        "recipient.dispatched",
                                        "recipient.initiated",
                                        "recipient.in_progress",
                                        "recipient.voicemail"),
                        "r3", List.of("recipient.dispatched", "recipient.initiated", "recipient.failed")));
        assertThat(events).filteredOn(e -> e.type().startsWith("recipient.")).allSatisfy(e -> {
            var data = e.body().get("data");
            assertThat(e.type())
                    .isEqualTo(
                            "recipient." + data.get("recipient").get("status").asText());
            assertThat(e.key())
                    .isEqualTo("recipient:" + batch + "/"
                            + data.get("recipient").get("id").asText());
            assertThat(data.get("batch_call_id").asText()).isEqualTo(batch);
            assertThat(data.get("attempt").get("number").asInt()).isEqualTo(1);
            assertThat(data.get("previous_status").asText())
                    .isNotEqualTo(data.get("recipient").get("status").asText());
            assertThat(e.body().get("event_id").asText()).startsWith("evt_");
        });

        var failures = events.stream()
                .filter(e -> e.type().equals("call_initiation_failure"))
                .toList();
        assertThat(failures)
                .extracting(e -> e.body().get("data").get("failure_reason").asText())
                .containsExactlyInAnyOrder("busy", "no-answer");
        assertThat(failures).allSatisfy(e -> {
            var data = e.body().get("data");
            assertThat(data.get("agent_id").asText()).isEqualTo(agent);
            assertThat(data.get("conversation_id").asText()).startsWith("conv_");
            assertThat(data.get("batch_call").get("batch_call_id").asText()).isEqualTo(batch);
            assertThat(data.get("metadata").get("type").asText()).isEqualTo("simulator");
        });

        var completed = events.getLast().body().get("data");
        assertThat(completed.get("id").asText()).isEqualTo(batch);
        assertThat(completed.get("status").asText()).isEqualTo("completed");
        assertThat(completed.get("previous_status").asText()).isEqualTo("in_progress");
        assertThat(completed.get("total_calls_finished").asInt()).isEqualTo(4);
        assertThat(completed.get("summary")).hasToString("{\"completed\":1,\"failed\":2,\"voicemail\":1}");
    }

    @Test
    void cancel_retry_and_delete_write_their_batch_and_recipient_events() {
        var workspace = engine.workspace(20);
        var agent = engine.agent(workspace, Optional.empty());
        var number = engine.number(workspace, Provider.SIMULATOR, "1000");
        var later = engine.clock.instant().plusSeconds(3600);
        var cancelled = engine.submit(workspace, agent, number, Optional.empty(), later, Engine.calls(2, "{}"));
        engine.batches.cancel(workspace, cancelled, Optional.empty());
        assertThat(events(cancelled))
                .extracting(Event::type)
                .containsExactly("batch.created", "recipient.cancelled", "recipient.cancelled", "batch.cancelled");

        var retried = engine.submit(
                workspace,
                agent,
                number,
                Optional.empty(),
                engine.clock.instant(),
                List.of("{\"sim_outcome\":\"busy\"}"));
        engine.runUntilIdle(Duration.ofMillis(500), 200);
        engine.batches.retry(workspace, retried, Optional.empty());
        var afterRetry = events(retried);
        assertThat(afterRetry.get(afterRetry.size() - 2).type()).isEqualTo("recipient.pending");
        assertThat(afterRetry
                        .get(afterRetry.size() - 2)
                        .body()
                        .get("data")
                        .get("previous_status")
                        .asText())
                .isEqualTo("failed");
        assertThat(afterRetry.getLast().type()).isEqualTo("batch.retried");
        assertThat(afterRetry.getLast().body().get("data").get("retry_count").asInt())
                .isEqualTo(1);

        engine.batches.delete(workspace, retried);
        var deleted = events(retried).getLast();
        assertThat(deleted.type()).isEqualTo("batch.deleted");
        assertThat(deleted.body().get("data").get("id").asText()).isEqualTo(retried);
        assertThat(deleted.body().get("data").get("previous_status").asText()).isEqualTo("in_progress");
    }
}
