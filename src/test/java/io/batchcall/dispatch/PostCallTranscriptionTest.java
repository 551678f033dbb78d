package io.batchcall.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.domain.AgentReport;
import io.batchcall.domain.CallSuccessful;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.Provider;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.ConversationStore;
import io.batchcall.store.PostCallTranscriptions;
import io.batchcall.support.TestDatabase;
import io.batchcall.wire.ConversationWire;
import io.batchcall.wire.WireJson;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each answered or voicemail call gets one {@code post_call_transcription}, whose data is GET conversation's body:
 * at once when the agent has reported, else once the configured wait after the end is over; a later report is told
 * as {@code conversation.updated}. Failed dials get none.
 */
class PostCallTranscriptionTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private Engine engine;
    private ConversationStore conversations;
    private PostCallProducer producer;

    @BeforeEach
    void start() {
        engine = Engine.start(TestDatabase.freshDatabaseUrl());
        conversations = new ConversationStore(engine.database, engine.clock, IdSource.secure());
        producer = new PostCallProducer(
                new PostCallTranscriptions(engine.database, engine.clock, IdSource.secure()), WAIT);
    }

    @AfterEach
    void stop() {
        engine.close();
    }

    private record Event(String type, String conversationId, String key, JsonNode data) {}

    private List<Event> events(String batch) {
        return engine.jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT type, conversation_id, ordering_key, body FROM events
                        WHERE batch_id = :b AND type IN ('post_call_transcription', 'conversation.updated')
                        ORDER BY seq""")
                .bind("b", batch)
                .map((rs, ctx) -> {
                    try {
                        return new Event(
                                rs.getString("type"),
                                rs.getString("conversation_id"),
                                rs.getString("ordering_key"),
                                WireJson.MAPPER.readTree(rs.getString("body")).get("data"));
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                })
                .list());
    }

    private String conversationOf(String batch, String recipient) {
        return engine.one(
                "SELECT conversation_id FROM recipients WHERE batch_id = :b AND id = :r",
                String.class,
                "b",
                batch,
                "r",
                recipient);
    }

    private String batchOf(WorkspaceId workspace, String... outcomes) {
        var agent = engine.agent(workspace, Optional.empty());
        var number = engine.number(workspace, Provider.SIMULATOR, "1000");
        var variables = java.util.Arrays.stream(outcomes)
                .map(o -> "{\"sim_outcome\":\"" + o + "\"}")
                .toList();
        var batch = engine.submit(workspace, agent, number, Optional.empty(), engine.clock.instant(), variables);
        engine.runUntilIdle(Duration.ofMillis(500), 200);
        assertThat(engine.batchStatus(batch)).isEqualTo("completed");
        return batch;
    }

    private static AgentReport report(CallSuccessful verdict, String summary) {
        return new AgentReport(
                Optional.of("[{\"role\":\"agent\",\"message\":\"Hi\",\"time_in_call_secs\":0}]"),
                Optional.of(verdict),
                Optional.of(summary),
                Optional.of("{\"plan\":{\"data_collection_id\":\"plan\",\"value\":\"gold\",\"rationale\":\"\"}}"),
                Optional.empty(),
                Optional.of("end_call tool was called."));
    }

    @Test
    void an_unreported_answered_call_waits_the_configured_time_then_goes_out_once_with_what_is_known() {
        var workspace = engine.workspace(20);
        var batch = batchOf(workspace, "completed", "voicemail", "busy", "no_answer", "failed");

        assertThat(producer.runOnce()).isZero();
        engine.clock.advance(WAIT.minusSeconds(1));
        assertThat(producer.runOnce()).isZero();
        engine.clock.advance(Duration.ofSeconds(2));
        assertThat(producer.runOnce()).isEqualTo(2);
        assertThat(producer.runOnce()).isZero();

        var sent = events(batch);
        assertThat(sent)
                .extracting(Event::conversationId)
                .containsExactlyInAnyOrder(conversationOf(batch, "r0"), conversationOf(batch, "r1"));
        assertThat(sent).allSatisfy(e -> {
            assertThat(e.type()).isEqualTo("post_call_transcription");
            var now = conversations.find(workspace, e.conversationId()).orElseThrow();
            // The same serializer as GET conversation: the event's data is that body, key for key.
            assertThat(e.data().toString())
                    .isEqualTo(ConversationWire.conversation(now.conversation(), now.agentName())
                            .toString());
            assertThat(e.key()).startsWith("recipient:" + batch + "/");
            assertThat(e.data().at("/analysis/transcript_summary").asText()).isEmpty();
            assertThat(e.data().get("status").asText()).isEqualTo("done");
        });
        assertThat(sent)
                .extracting(e -> e.data().at("/metadata/phone_call/call_result").asText())
                .containsExactlyInAnyOrder("answered", "voicemail");
        assertThat(engine.list(
                        "SELECT call_result FROM conversations WHERE batch_id = :b ORDER BY recipient_id",
                        String.class,
                        "b",
                        batch))
                .containsExactly("answered", "voicemail", "busy", "no_answer", "failed");
        assertThat(engine.one("SELECT count(*) FROM post_call_queue", Long.class))
                .as("nothing left waiting")
                .isZero();
    }

    @Test
    void a_conversation_deleted_while_its_event_waits_takes_its_place_in_the_queue_with_it() {
        var workspace = engine.workspace(20);
        var batch = batchOf(workspace, "completed", "voicemail");
        assertThat(engine.one("SELECT count(*) FROM post_call_queue", Long.class))
                .isEqualTo(2);

        assertThat(conversations.delete(workspace, conversationOf(batch, "r0")))
                .isInstanceOf(ConversationStore.Deletion.Deleted.class);

        assertThat(engine.one("SELECT count(*) FROM post_call_queue", Long.class))
                .isEqualTo(1);
        engine.clock.advance(WAIT.plusSeconds(1));
        assertThat(producer.runOnce()).isEqualTo(1);
        assertThat(events(batch)).extracting(Event::conversationId).containsExactly(conversationOf(batch, "r1"));
        assertThat(engine.one("SELECT count(*) FROM post_call_queue", Long.class))
                .isZero();
    }

    @Test
    void queued_conversations_that_no_longer_wait_are_taken_out_and_hold_no_place_ahead_of_those_that_do() {
        var workspace = engine.workspace(20);
        var batch = batchOf(workspace, "completed");
        // More than a pass of places at the head of the queue whose conversations do not wait (one already sent,
        // the others gone): none of the statements that write the queue leaves such a place, but if one did, it
        // must not stop the events behind it.
        engine.jdbi.useHandle(handle -> handle.execute(
                """
                INSERT INTO post_call_queue (ended_at, workspace_id, conversation_id, reported)
                SELECT ?, ?, 'conv_gone_' || n, n % 2 = 0 FROM generate_series(1, 250) n""",
                java.time.OffsetDateTime.ofInstant(engine.clock.instant().minusSeconds(3600), java.time.ZoneOffset.UTC),
                workspace.value()));

        engine.clock.advance(WAIT.plusSeconds(1));
        assertThat(producer.runOnce()).isEqualTo(1);
        assertThat(events(batch)).extracting(Event::conversationId).containsExactly(conversationOf(batch, "r0"));

        assertThat(producer.runOnce()).as("the rest taken out at the next pass").isZero();
        assertThat(engine.one("SELECT count(*) FROM post_call_queue", Long.class))
                .isZero();
        assertThat(events(batch)).hasSize(1);
    }

    @Test
    void a_report_after_the_end_sends_the_event_at_once_with_the_agents_analysis() {
        var workspace = engine.workspace(20);
        var batch = batchOf(workspace, "completed");
        var conversation = conversationOf(batch, "r0");

        conversations.report(workspace, conversation, report(CallSuccessful.FAILURE, "Declined the offer"));

        var sent = events(batch);
        assertThat(sent).hasSize(1);
        var data = sent.getFirst().data();
        assertThat(data.at("/analysis/call_successful").asText()).isEqualTo("failure");
        assertThat(data.at("/analysis/transcript_summary").asText()).isEqualTo("Declined the offer");
        assertThat(data.at("/analysis/data_collection_results/plan/value").asText())
                .isEqualTo("gold");
        assertThat(data.at("/metadata/termination_reason").asText()).isEqualTo("end_call tool was called.");
        assertThat(data.at("/transcript/0/message").asText()).isEqualTo("Hi");
        engine.clock.advance(WAIT.plusSeconds(1));
        assertThat(producer.runOnce()).isZero();
        assertThat(events(batch)).hasSize(1);
    }

    @Test
    void a_report_during_the_call_is_kept_when_the_call_ends_and_the_event_goes_at_the_next_pass() {
        var workspace = engine.workspace(20);
        var agent = engine.agent(workspace, Optional.empty());
        var number = engine.number(workspace, Provider.SIMULATOR, "1000");
        var batch = engine.submit(
                workspace,
                agent,
                number,
                Optional.empty(),
                engine.clock.instant(),
                List.of("{\"sim_outcome\":\"completed\",\"sim_talk_ms\":60000}"));
        // Into the minute-long call, which is still going on.
        engine.runSteps(Duration.ofMillis(500), 10);
        var conversation = conversationOf(batch, "r0");
        assertThat(engine.one("SELECT status FROM conversations WHERE id = :c", String.class, "c", conversation))
                .isEqualTo("in-progress");

        conversations.report(workspace, conversation, report(CallSuccessful.FAILURE, "Hung up on us"));
        assertThat(events(batch)).isEmpty();
        engine.runUntilIdle(Duration.ofSeconds(5), 100);

        assertThat(producer.runOnce()).isEqualTo(1);
        var data = events(batch).getFirst().data();
        // The agent's verdict and reason win over what the end of the call would have said.
        assertThat(data.at("/analysis/call_successful").asText()).isEqualTo("failure");
        assertThat(data.at("/metadata/termination_reason").asText()).isEqualTo("end_call tool was called.");
        assertThat(data.at("/metadata/phone_call/call_result").asText()).isEqualTo("answered");
        assertThat(data.at("/metadata/call_duration_secs").asInt()).isGreaterThan(0);
    }

    @Test
    void a_report_after_the_event_went_out_updates_the_conversation_and_is_told_as_conversation_updated() {
        var workspace = engine.workspace(20);
        var batch = batchOf(workspace, "completed");
        engine.clock.advance(WAIT.plusSeconds(1));
        assertThat(producer.runOnce()).isEqualTo(1);

        var updated = conversations
                .report(workspace, conversationOf(batch, "r0"), report(CallSuccessful.SUCCESS, "Bought gold"))
                .orElseThrow();

        assertThat(updated.conversation().transcriptSummary()).contains("Bought gold");
        assertThat(events(batch))
                .extracting(Event::type)
                .containsExactly("post_call_transcription", "conversation.updated");
        assertThat(events(batch)
                        .getLast()
                        .data()
                        .at("/analysis/transcript_summary")
                        .asText())
                .isEqualTo("Bought gold");
        assertThat(producer.runOnce()).isZero();
    }

    @Test
    void producers_on_two_nodes_racing_over_many_conversations_send_each_event_exactly_once() throws Exception {
        var workspace = engine.workspace(100);
        var batch = batchOf(
                workspace, java.util.Collections.nCopies(60, "completed").toArray(String[]::new));
        engine.clock.advance(WAIT.plusSeconds(1));
        var second = new PostCallProducer(
                new PostCallTranscriptions(engine.database, engine.clock, IdSource.secure()), WAIT);
        var start = new CountDownLatch(1);
        var tasks = new ArrayList<Callable<Integer>>();
        for (var node : List.of(producer, second, producer, second)) {
            tasks.add(() -> {
                start.await();
                return node.runOnce();
            });
        }
        try (var pool = Executors.newFixedThreadPool(tasks.size())) {
            var futures = tasks.stream().map(pool::submit).toList();
            start.countDown();
            int total = 0;
            for (var future : futures) {
                total += future.get();
            }
            assertThat(total).isEqualTo(60);
        }
        assertThat(events(batch)).hasSize(60);
        assertThat(events(batch)).extracting(Event::conversationId).doesNotHaveDuplicates();
    }
}
