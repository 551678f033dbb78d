package io.batchcall.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.CallSuccessful;
import io.batchcall.domain.ConversationStatus;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.ConversationStore.Filter;
import io.batchcall.store.ConversationStore.ValueCondition;
import io.batchcall.support.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * dynamic_variable_params through V160's rows: a page read from them lists exactly what the row-by-row text test
 * lists (numbers, booleans and strings alike; names and values too long for a row fall back to that test), the
 * rows follow conversations inserted and deleted, and the list is actually read from their key.
 */
class DynamicVariableFilterTest {
    private static final Instant T0 = Instant.parse("2026-11-02T10:00:00Z");
    /** Longer than V160 keeps a row for. */
    private static final String LONG = "g".repeat(201);

    private static Database database;
    private static ConversationStore conversations;
    private static WorkspaceId workspace;
    private static String agentId;
    /** The conversation id for each value of the variable "plan", as JSON ("absent": no such variable). */
    private static final Map<String, String> byValue = new LinkedHashMap<>();

    @BeforeAll
    static void start() {
        database = Database.connect(
                TestDatabase.freshDatabaseUrl(), Optional.of("postgres"), Optional.empty(), new SimpleMeterRegistry());
        var clock = Clock.systemUTC();
        var ids = IdSource.secure();
        conversations = new ConversationStore(database, clock, ids);
        var seed = StoreSeed.create(database, clock, ids, "variables", 10);
        workspace = seed.workspace();
        agentId = seed.agentId();
        var values = List.of(
                "\"gold\"",
                "42",
                "\"42\"",
                "1.50",
                "true",
                "\"true\"",
                "{\"tier\": 1}",
                "[\"gold\"]",
                "null",
                "absent",
                "\"" + LONG + "\"");
        for (int i = 0; i < values.size(); i++) {
            var value = values.get(i);
            var clientData = value.equals("absent")
                    ? "{\"dynamic_variables\":{\"other\":\"gold\"}}"
                    : "{\"dynamic_variables\":{\"plan\":" + value + "}}";
            byValue.put(value, create(workspace, seed.agentId(), T0.plusSeconds(i), clientData));
        }
        // The same value in another workspace is never listed here.
        var other = StoreSeed.create(database, clock, ids, "others", 10);
        create(other.workspace(), other.agentId(), T0, "{\"dynamic_variables\":{\"plan\":\"gold\"}}");
        // Many conversations with a common value, so that "gold" is rare, as a filter's value usually is.
        database.jdbi()
                .useHandle(handle -> handle.createUpdate("""
                        INSERT INTO conversations (workspace_id, id, agent_id, status, call_successful, start_time,
                            call_duration_secs, client_data, transcript, created_at, updated_at)
                        SELECT :workspace, 'conv_filler_' || i, :agent, 'done', 'success',
                            :t0 - i * interval '1 second', 5,
                            jsonb_build_object('dynamic_variables', jsonb_build_object('plan', 'basic')), '[]', :t0, :t0
                        FROM generate_series(1, 5000) AS i""")
                        .bind("workspace", workspace.value())
                        .bind("agent", seed.agentId())
                        .bind("t0", Rows.at(T0))
                        .execute());
        database.jdbi().useHandle(handle -> handle.execute("ANALYZE conversations"));
    }

    @AfterAll
    static void stop() {
        database.close();
    }

    @Test
    void eq_and_in_list_every_variable_whose_text_is_the_value_whatever_its_json_type() {
        assertThat(listed(eq("gold"))).containsExactly(byValue.get("\"gold\""));
        assertThat(listed(eq("42"))).containsExactly(byValue.get("\"42\""), byValue.get("42"));
        assertThat(listed(eq("1.50"))).containsExactly(byValue.get("1.50"));
        assertThat(listed(eq("1.5"))).isEmpty();
        assertThat(listed(eq("true"))).containsExactly(byValue.get("\"true\""), byValue.get("true"));
        assertThat(listed(eq("{\"tier\": 1}"))).containsExactly(byValue.get("{\"tier\": 1}"));
        assertThat(listed(eq("[\"gold\"]"))).containsExactly(byValue.get("[\"gold\"]"));
        assertThat(listed(eq("null"))).isEmpty();
        assertThat(listed(in("gold", "42", "nothing")))
                .containsExactly(byValue.get("\"42\""), byValue.get("42"), byValue.get("\"gold\""));
        assertThat(listed(in("true", "{\"tier\": 1}")))
                .containsExactly(byValue.get("{\"tier\": 1}"), byValue.get("\"true\""), byValue.get("true"));
    }

    @Test
    void names_and_values_too_long_for_a_row_are_still_matched_by_the_row_by_row_test() {
        assertThat(listed(eq(LONG))).containsExactly(byValue.get("\"" + LONG + "\""));
        assertThat(listed(in("gold", LONG))).containsExactly(byValue.get("\"" + LONG + "\""), byValue.get("\"gold\""));
        var longName = "n".repeat(201);
        var id = create(
                workspace, agentId, T0.minusSeconds(86_400), "{\"dynamic_variables\":{\"" + longName + "\":\"x\"}}");
        assertThat(listed(new ValueCondition(
                        ValueCondition.Field.DYNAMIC_VARIABLE, longName, ValueCondition.Operator.EQ, List.of("x"))))
                .containsExactly(id);
        assertThat(rowsOf(id)).isZero();
    }

    @Test
    void a_page_after_the_first_continues_where_it_ended() {
        var filter = filter(eq("basic"));
        var first = conversations.list(workspace, filter, Optional.empty(), 30);
        var second = conversations.list(workspace, filter, first.next(), 30);
        assertThat(first.items()).hasSize(30);
        assertThat(second.items()).hasSize(30);
        assertThat(second.items().getFirst().conversation().startTime())
                .isEqualTo(first.items().getLast().conversation().startTime().minusSeconds(1));
    }

    @Test
    void a_conversations_rows_come_with_it_and_go_with_it_and_its_client_data_cannot_change_under_them() {
        var id = create(
                workspace,
                agentId,
                T0.minusSeconds(3_600),
                "{\"dynamic_variables\":{\"plan\":\"gone\"," + "\"n\":7,\"nothing\":null},\"user_id\":\"u\"}");
        assertThat(rowsOf(id)).isEqualTo(2);
        assertThat(listed(eq("gone"))).containsExactly(id);

        assertThat(conversations.delete(workspace, id)).isInstanceOf(ConversationStore.Deletion.Deleted.class);
        assertThat(rowsOf(id)).isZero();
        assertThat(listed(eq("gone"))).isEmpty();

        var kept = byValue.get("\"gold\"");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> database.jdbi()
                        .useHandle(handle -> handle.createUpdate(
                                        "UPDATE conversations SET client_data = '{}' WHERE workspace_id = :w AND id = :id")
                                .bind("w", workspace.value())
                                .bind("id", kept)
                                .execute()))
                .hasMessageContaining("do not change");
        assertThat(listed(eq("gold"))).containsExactly(kept);
    }

    @Test
    void a_rare_value_is_read_from_its_rows_key_and_a_condition_they_cannot_answer_is_tested_row_by_row() {
        assertThat(String.join("\n", plan(eq("gold")))).contains("conversation_variables_pkey");
        assertThat(String.join("\n", plan(in("gold", "42")))).contains("conversation_variables_pkey");
        assertThat(String.join("\n", plan(eq(LONG)))).doesNotContain("conversation_variables");
    }

    private static long rowsOf(String conversationId) {
        return database.jdbi()
                .withHandle(handle -> handle.createQuery("""
                                SELECT count(*) FROM conversation_variables
                                WHERE workspace_id = :w AND conversation_id = :id""")
                        .bind("w", workspace.value())
                        .bind("id", conversationId)
                        .mapTo(Long.class)
                        .one());
    }

    private static ValueCondition eq(String value) {
        return new ValueCondition(
                ValueCondition.Field.DYNAMIC_VARIABLE, "plan", ValueCondition.Operator.EQ, List.of(value));
    }

    private static ValueCondition in(String... values) {
        return new ValueCondition(
                ValueCondition.Field.DYNAMIC_VARIABLE, "plan", ValueCondition.Operator.IN, List.of(values));
    }

    private static Filter filter(ValueCondition condition) {
        var none = Filter.none();
        return new Filter(
                none.agentId(),
                none.agentIds(),
                none.batchId(),
                none.branchId(),
                none.branchIds(),
                none.callSuccessful(),
                none.startAfter(),
                none.startBefore(),
                none.minDuration(),
                none.maxDuration(),
                none.userId(),
                Set.of(),
                List.of(),
                List.of(),
                List.of(condition),
                false);
    }

    private static List<String> listed(ValueCondition condition) {
        var ids = new ArrayList<String>();
        conversations
                .list(workspace, filter(condition), Optional.empty(), 30)
                .items()
                .forEach(row -> ids.add(row.conversation().id()));
        return ids;
    }

    private static List<String> plan(ValueCondition condition) {
        return new ConversationListing(database.jdbi()).plan(workspace, filter(condition), Optional.empty(), 30);
    }

    private static String create(WorkspaceId workspace, String agentId, Instant start, String clientData) {
        return conversations
                .create(
                        workspace,
                        new io.batchcall.domain.NewConversation(
                                agentId,
                                Optional.empty(),
                                Optional.empty(),
                                Optional.empty(),
                                ConversationStatus.DONE,
                                CallSuccessful.SUCCESS,
                                start,
                                5,
                                Optional.empty(),
                                Optional.empty(),
                                Optional.of(clientData),
                                "[]"))
                .id();
    }
}
