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
    /** Longer than V160 keeps a row for (400 bytes). */
    private static final String LONG = "g".repeat(401);

    private static Database database;
    private static ConversationStore conversations;
    private static WorkspaceId workspace;
    private static String agentId;
    private static StoreSeed seed;
    /** The conversation id for each value of the variable "plan", as JSON ("absent": no such variable). */
    private static final Map<String, String> byValue = new LinkedHashMap<>();

    @BeforeAll
    static void start() {
        database = Database.connect(
                TestDatabase.freshDatabaseUrl(), Optional.of("postgres"), Optional.empty(), new SimpleMeterRegistry());
        var clock = Clock.systemUTC();
        var ids = IdSource.secure();
        conversations = new ConversationStore(database, clock, ids);
        seed = StoreSeed.create(database, clock, ids, "variables", 10);
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
        var longName = "n".repeat(401);
        var id = create(
                workspace, agentId, T0.minusSeconds(86_400), "{\"dynamic_variables\":{\"" + longName + "\":\"x\"}}");
        assertThat(listed(new ValueCondition(
                        ValueCondition.Field.DYNAMIC_VARIABLE, longName, ValueCondition.Operator.EQ, List.of("x"))))
                .containsExactly(id);
        assertThat(rowsOf(id)).isZero();
    }

    @Test
    void a_name_or_value_of_400_bytes_has_its_row_and_one_byte_more_is_tested_row_by_row() {
        var ascii = "a".repeat(400);
        var accented = "\u00e9".repeat(200); // 400 bytes of UTF-8 in 200 characters
        var over = accented + "a";
        var asciiId = create(workspace, agentId, T0.minusSeconds(7_200), variables("plan", ascii));
        var accentedId = create(workspace, agentId, T0.minusSeconds(7_201), variables("plan", accented));
        var overId = create(workspace, agentId, T0.minusSeconds(7_202), variables("plan", over));
        var nameId = create(workspace, agentId, T0.minusSeconds(7_203), variables("\u00e9".repeat(200), "x"));
        assertThat(List.of(rowsOf(asciiId), rowsOf(accentedId), rowsOf(overId), rowsOf(nameId)))
                .containsExactly(1L, 1L, 0L, 1L);
        assertThat(listed(eq(ascii))).containsExactly(asciiId);
        assertThat(listed(eq(accented))).containsExactly(accentedId);
        assertThat(listed(eq(over))).containsExactly(overId);
        assertThat(String.join("\n", plan(eq(accented)))).contains("conversation_variables_pkey");
        assertThat(String.join("\n", plan(eq(over)))).doesNotContain("conversation_variables");
    }

    @Test
    void a_page_after_the_first_continues_where_it_ended_newest_or_oldest_first() {
        for (boolean oldestFirst : List.of(false, true)) {
            var filter = filter(eq("basic"), oldestFirst);
            var first = conversations.list(workspace, filter, Optional.empty(), 30);
            var second = conversations.list(workspace, filter, first.next(), 30);
            assertThat(first.items()).hasSize(30);
            assertThat(second.items()).hasSize(30);
            assertThat(second.items().getFirst().conversation().startTime())
                    .as("oldest first: %s", oldestFirst)
                    .isEqualTo(
                            first.items().getLast().conversation().startTime().plusSeconds(oldestFirst ? 1 : -1));
        }
    }

    @Test
    void a_dialed_calls_conversation_is_found_by_its_recipients_variables() {
        var clock = Clock.systemUTC();
        var ids = IdSource.secure();
        seed.submit(
                database,
                clock,
                ids,
                List.of(
                        recipient("dialed-1", "+14155550161", "{\"dynamic_variables\":{\"plan\":\"dialed\",\"n\":3}}"),
                        recipient("dialed-2", "+14155550162", "{\"dynamic_variables\":{\"plan\":\"dialed\"}}")));
        var claims = new ClaimStore(database, clock, ids, "node-a", java.time.Duration.ofSeconds(30))
                .claim(workspace, number -> Optional.empty())
                .claims();
        assertThat(claims).hasSize(2);
        // The conversations the call-event writer opens (ConversationWrites.inserted: one statement for all).
        new AttemptLifecycle(database, clock, ids)
                .apply(claims.stream()
                        .map(c -> (io.batchcall.domain.CallEvent) new io.batchcall.domain.CallEvent.Accepted(
                                c.attempt(), "CA-" + c.recipientId(), clock.instant()))
                        .toList());
        var opened = database.jdbi()
                .withHandle(handle -> handle.createQuery("""
                                SELECT recipient_id, conversation_id FROM attempts
                                WHERE workspace_id = :w ORDER BY recipient_id""")
                        .bind("w", workspace.value())
                        .map((rs, ctx) -> rs.getString("conversation_id"))
                        .list());
        assertThat(opened).hasSize(2).doesNotContainNull();
        assertThat(listed(eq("dialed"))).containsExactlyInAnyOrderElementsOf(opened);
        assertThat(listed(new ValueCondition(
                        ValueCondition.Field.DYNAMIC_VARIABLE, "n", ValueCondition.Operator.EQ, List.of("3"))))
                .containsExactly(opened.getFirst());
    }

    private static io.batchcall.domain.NewRecipient recipient(String id, String number, String clientData) {
        return new io.batchcall.domain.NewRecipient(
                id, Optional.of(number), Optional.empty(), Optional.of(clientData), Optional.empty(), Optional.empty());
    }

    private static String variables(String name, String value) {
        var json = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        json.putObject("dynamic_variables").put(name, value);
        return json.toString();
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
        return filter(condition, false);
    }

    private static Filter filter(ValueCondition condition, boolean oldestFirst) {
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
                oldestFirst);
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
