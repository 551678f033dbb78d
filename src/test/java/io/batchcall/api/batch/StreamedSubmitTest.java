package io.batchcall.api.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.ApiClient;
import io.batchcall.support.Await;
import io.batchcall.support.Fixtures;
import io.batchcall.support.HttpResult;
import io.batchcall.support.TestServer;
import io.batchcall.support.WithServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Submits of 2,000 recipients or more are stored while their later recipients are still being checked (issue 17):
 * what a user sees must be exactly a plain submit's, whichever run of the list a problem is in.
 */
@WithServer
class StreamedSubmitTest {
    private static final String SUBMIT = "/v1/convai/batch-calling/submit";
    /** More than the streamed submit's threshold, in three runs (1,000, 1,000 and 500). */
    private static final int SIZE = 2_500;

    private static TestServer server;
    private static Fixtures fixtures;
    private static String agentId;
    private static String workspaceId;

    @BeforeAll
    static void start() {
        fixtures = new Fixtures(server);
        agentId = fixtures.agent(TestServer.API_KEY, "Streamed");
        fixtures.phoneNumber(TestServer.API_KEY, agentId);
        workspaceId = fixtures.workspaceOf(TestServer.API_KEY);
    }

    private static String number(int i) {
        return "+1415" + (2_000_000 + i);
    }

    /** A recipient of the list: its own id, number and one variable. */
    private static String recipient(int i) {
        return """
                {"id":"r-%d","phone_number":"%s","conversation_initiation_client_data":{"dynamic_variables":{"n":%d}}}""".formatted(i, number(i), i);
    }

    private static String body(String agent, String extra, IntFunction<String> recipient) {
        var recipients =
                String.join(",", IntStream.range(0, SIZE).mapToObj(recipient).toList());
        return """
                {"call_name":"Streamed","agent_id":"%s"%s,"recipients":[%s]}""".formatted(agent, extra, recipients);
    }

    private static int stored() {
        return fixtures.queryOne(
                "SELECT count(*)::int FROM recipients WHERE workspace_id = :w",
                Map.of("w", workspaceId),
                Integer.class);
    }

    private static int batches() {
        return fixtures.queryOne(
                "SELECT count(*)::int FROM batches WHERE workspace_id = :w", Map.of("w", workspaceId), Integer.class);
    }

    private static List<String> locs(HttpResult refused) {
        var locs = new ArrayList<String>();
        refused.json()
                .get("detail")
                .forEach(violation -> locs.add(violation.get("loc").toString()));
        return locs;
    }

    @Test
    void a_long_list_is_stored_whole_with_each_recipient_at_its_place_in_the_list() {
        var submitted = server.client().post(SUBMIT, body(agentId, "", StreamedSubmitTest::recipient));

        assertThat(submitted.status()).as(submitted.toString()).isEqualTo(200);
        assertThat(submitted.json().get("total_calls_scheduled").asInt()).isEqualTo(SIZE);
        var batchId = submitted.json().get("id").asText();
        var shown = server.client()
                .get("/v1/convai/batch-calling/" + batchId)
                .json()
                .get("recipients");
        assertThat(shown).hasSize(SIZE);
        for (int i : new int[] {0, 999, 1_000, 1_999, 2_000, SIZE - 1}) {
            assertThat(shown.get(i).get("id").asText()).isEqualTo("r-" + i);
            assertThat(shown.get(i).get("phone_number").asText()).isEqualTo(number(i));
            assertThat(shown.get(i)
                            .at("/conversation_initiation_client_data/dynamic_variables/n")
                            .asInt())
                    .isEqualTo(i);
        }
        var misplaced = fixtures.queryOne(
                "SELECT count(*)::int FROM recipients WHERE batch_id = :b AND id <> 'r-' || position",
                Map.of("b", batchId),
                Integer.class);
        assertThat(misplaced).isZero();
    }

    @Test
    void problems_in_the_first_and_the_last_run_are_one_422_and_nothing_is_stored() {
        int recipientsBefore = stored();
        int batchesBefore = batches();

        var refused = server.client().post(SUBMIT, body(agentId, "", i -> switch (i) {
            case 3 -> "{\"phone_number\":\"not a number\"}";
            case 2_400 -> "{\"phone_number\":\"%s\",\"timezone\":\"Mars/Olympus\"}".formatted(number(i));
            default -> recipient(i);
        }));

        assertThat(refused.status()).as(refused.toString()).isEqualTo(422);
        assertThat(locs(refused))
                .containsExactly(
                        "[\"body\",\"recipients\",3,\"phone_number\"]", "[\"body\",\"recipients\",2400,\"timezone\"]");
        assertThat(stored()).isEqualTo(recipientsBefore);
        assertThat(batches()).isEqualTo(batchesBefore);
    }

    @Test
    void a_number_repeated_in_a_later_run_is_named_with_both_places() {
        int before = stored();

        var refused = server.client()
                .post(
                        SUBMIT,
                        body(
                                agentId,
                                "",
                                i -> i == 2_100 ? "{\"phone_number\":\"%s\"}".formatted(number(10)) : recipient(i)));

        assertThat(refused.status()).as(refused.toString()).isEqualTo(422);
        assertThat(locs(refused)).containsExactly("[\"body\",\"recipients\",2100,\"phone_number\"]");
        assertThat(refused.json().at("/detail/0/msg").asText())
                .isEqualTo("Value error, duplicate phone number: recipients 10 and 2100 both have " + number(10));
        assertThat(stored()).isEqualTo(before);
    }

    @Test
    void an_opted_out_number_in_a_later_run_is_refused_under_refuse_and_counted_otherwise() {
        var optedOut = number(2_300);
        var added = server.client().post("/v1/batchcall/opt-outs", "{\"phone_number\":\"%s\"}".formatted(optedOut));
        assertThat(added.status()).as(added.toString()).isIn(200, 201);
        int before = stored();

        var refused = server.client()
                .post(SUBMIT, body(agentId, ",\"suppressed\":\"refuse\"", StreamedSubmitTest::recipient));

        assertThat(refused.status()).as(refused.toString()).isEqualTo(422);
        assertThat(locs(refused)).containsExactly("[\"body\",\"recipients\",2300,\"phone_number\"]");
        assertThat(refused.json().at("/detail/0/type").asText()).isEqualTo("opted_out");
        assertThat(stored()).isEqualTo(before);

        var skipped = server.client().post(SUBMIT, body(agentId, "", StreamedSubmitTest::recipient));
        assertThat(skipped.status()).as(skipped.toString()).isEqualTo(200);
        assertThat(skipped.json().get("suppressed_recipients").asInt()).isEqualTo(1);
        assertThat(stored()).isEqualTo(before + SIZE);
    }

    @Test
    void an_unknown_agent_is_a_404_unless_the_body_has_problems_which_come_first() {
        var unknown = server.client().post(SUBMIT, body("agent_nobody", "", StreamedSubmitTest::recipient));
        assertThat(unknown.status()).as(unknown.toString()).isEqualTo(404);
        assertThat(unknown.json().at("/detail/status").asText()).isEqualTo("agent_not_found");

        var both = server.client()
                .post(SUBMIT, body("agent_nobody", "", i -> i == 2_200 ? "{\"phone_number\":\"12\"}" : recipient(i)));
        assertThat(both.status()).as(both.toString()).isEqualTo(422);
        assertThat(locs(both)).containsExactly("[\"body\",\"recipients\",2200,\"phone_number\"]");
    }

    @Test
    void a_database_failure_looking_up_the_agent_still_answers_the_later_runs_problems_first() {
        // A streamed submit looks up its agent after its first run is checked, before the later runs are read. A
        // look-up that fails must not hide their problems: a plain submit, checked whole first, would answer them.
        int before = stored();
        fixtures.executeStatement("ALTER TABLE agents RENAME TO agents_away");
        try {
            var refused = server.client()
                    .post(SUBMIT, body(agentId, "", i -> i == 2_300 ? "{\"phone_number\":\"12\"}" : recipient(i)));
            assertThat(refused.status()).as(refused.toString()).isEqualTo(422);
            assertThat(locs(refused)).containsExactly("[\"body\",\"recipients\",2300,\"phone_number\"]");

            var failed = server.client().post(SUBMIT, body(agentId, "", StreamedSubmitTest::recipient));
            assertThat(failed.status()).as(failed.toString()).isBetween(500, 599);
        } finally {
            fixtures.executeStatement("ALTER TABLE agents_away RENAME TO agents");
        }
        assertThat(stored()).isEqualTo(before);
    }

    @Test
    void the_same_idempotency_key_replays_the_first_answer_and_stores_one_batch() {
        var client = new ApiClient(
                server.port(), Map.of("xi-api-key", TestServer.API_KEY, "Idempotency-Key", "streamed-once"));
        var body = body(agentId, "", StreamedSubmitTest::recipient);
        int before = batches();

        var first = client.post(SUBMIT, body);
        var second = client.post(SUBMIT, body);

        assertThat(first.status()).as(first.toString()).isEqualTo(200);
        assertThat(second.status()).as(second.toString()).isEqualTo(200);
        assertThat(second.json().get("id").asText())
                .isEqualTo(first.json().get("id").asText());
        assertThat(batches()).isEqualTo(before + 1);
    }

    @Test
    void more_large_submits_at_once_than_stream_together_are_each_stored_whole() throws Exception {
        // Eight at once: four stream (StreamedSubmit.AT_ONCE), the others are checked whole and then stored as a
        // plain submit is. Their agent's row is held, so that no submit ends before all eight have asked: each one's
        // transaction waits at its first statement (the agent locked FOR SHARE), the streamed ones with their turn
        // held. An agent of their own, so that the dispatcher's work for the other tests never waits on it.
        var agent = fixtures.agent(TestServer.API_KEY, "Streamed eight");
        fixtures.phoneNumber(TestServer.API_KEY, agent);
        int before = stored();
        double checkedWholeBefore = server.metric("batchcall_submits_checked_whole_total");
        var body = body(agent, "", StreamedSubmitTest::recipient);
        var submits = new ArrayList<Future<HttpResult>>();
        // The holder is closed first (resources close in reverse), so that a failed wait lets the submits go on
        // before the pool waits for them.
        try (var pool = Executors.newVirtualThreadPerTaskExecutor();
                var holder = Jdbi.create(server.databaseUrl(), "postgres", "").open()) {
            holder.begin();
            holder.createQuery("SELECT id FROM agents WHERE workspace_id = :w AND id = :a FOR NO KEY UPDATE")
                    .bind("w", workspaceId)
                    .bind("a", agent)
                    .mapTo(String.class)
                    .one();
            for (int i = 0; i < 8; i++) {
                submits.add(pool.submit(() -> server.client().post(SUBMIT, body)));
            }
            Await.until(
                    Duration.ofSeconds(30),
                    "four submits streaming and four checked whole",
                    () -> server.metric("batchcall_submits_streaming") == 4
                            && server.metric("batchcall_submits_checked_whole_total") - checkedWholeBefore == 4,
                    () -> "streaming " + server.metric("batchcall_submits_streaming") + ", checked whole "
                            + (server.metric("batchcall_submits_checked_whole_total") - checkedWholeBefore));
            holder.rollback();
        }

        for (var submit : submits) {
            var answered = submit.get();
            assertThat(answered.status()).as(answered.toString()).isEqualTo(200);
            var misplaced = fixtures.queryOne(
                    "SELECT count(*)::int FROM recipients WHERE batch_id = :b AND id <> 'r-' || position",
                    Map.of("b", answered.json().get("id").asText()),
                    Integer.class);
            assertThat(misplaced).isZero();
        }
        assertThat(stored()).isEqualTo(before + 8 * SIZE);
        assertThat(server.metric("batchcall_submits_streaming")).isZero();
        assertThat(server.metric("batchcall_submits_checked_whole_total") - checkedWholeBefore)
                .isEqualTo(4.0);
    }

    @Test
    void a_refusal_found_after_runs_were_inserted_has_rolled_back_before_it_is_answered() {
        // Two runs are inserted before the third's problem is found. Were that transaction still open, it would hold
        // the key: the same key's next submit would wait for it instead of being stored at once.
        var client = new ApiClient(
                server.port(), Map.of("xi-api-key", TestServer.API_KEY, "Idempotency-Key", "streamed-refused-first"));
        int before = stored();

        var refused =
                client.post(SUBMIT, body(agentId, "", i -> i == 2_450 ? "{\"phone_number\":\"12\"}" : recipient(i)));
        assertThat(refused.status()).as(refused.toString()).isEqualTo(422);
        assertThat(stored()).isEqualTo(before);

        var stored = client.post(SUBMIT, body(agentId, "", StreamedSubmitTest::recipient));
        assertThat(stored.status()).as(stored.toString()).isEqualTo(200);
        assertThat(stored()).isEqualTo(before + SIZE);
    }

    @Test
    void a_submit_whose_transaction_is_retried_after_a_collision_is_stored_once_and_whole() {
        // PostgreSQL picks a transaction as a deadlock's victim (40P01) or fails it on serialization (40001) and the
        // store runs it again. Here the first try of each submit fails so, after its recipients were inserted: on
        // inserting its batch.created event. A long list (its later runs already taken from the feed) and a short
        // one (a feed with nothing to come) must both be stored by the second try, at once.
        for (int size : new int[] {SIZE, 3}) {
            var name = "Retried " + size;
            var fired = failFirstTry(name);
            try {
                var recipients = String.join(
                        ",",
                        IntStream.range(0, size)
                                .mapToObj(StreamedSubmitTest::recipient)
                                .toList());
                var submitted = server.client().post(SUBMIT, """
                                {"call_name":"%s","agent_id":"%s","recipients":[%s]}""".formatted(name, agentId, recipients));

                assertThat(submitted.status()).as(submitted.toString()).isEqualTo(200);
                // At least two of its events were counted: the first try's (which failed it) and the second's.
                assertThat(fixtures.queryOne(
                                "SELECT CASE WHEN is_called THEN last_value::int ELSE 0 END FROM " + fired,
                                Map.of(),
                                Integer.class))
                        .as("the first try failed and a second one ran")
                        .isGreaterThanOrEqualTo(2);
                var batchId = submitted.json().get("id").asText();
                assertThat(submitted.json().get("total_calls_scheduled").asInt())
                        .isEqualTo(size);
                assertThat(fixtures.queryOne(
                                "SELECT count(*)::int FROM recipients WHERE batch_id = :b",
                                Map.of("b", batchId),
                                Integer.class))
                        .isEqualTo(size);
                assertThat(fixtures.queryOne(
                                "SELECT count(*)::int FROM recipients WHERE batch_id = :b AND id <> 'r-' || position",
                                Map.of("b", batchId),
                                Integer.class))
                        .isZero();
                assertThat(fixtures.queryOne(
                                "SELECT count(*)::int FROM batches WHERE workspace_id = :w AND name = :n",
                                Map.of("w", workspaceId, "n", name),
                                Integer.class))
                        .isEqualTo(1);
            } finally {
                fixtures.executeStatement("DROP TRIGGER fail_first_try ON events");
                fixtures.executeStatement("DROP FUNCTION fail_first_try()");
                fixtures.executeStatement("DROP SEQUENCE " + fired);
            }
        }
    }

    /**
     * Makes the first try of the transaction that submits the batch called {@code name} fail as a serialization
     * failure, once its event is inserted; returns the sequence that counts the tries (a sequence is not rolled back).
     */
    private static String failFirstTry(String name) {
        var tries = "fail_first_try_tries";
        fixtures.executeStatement("CREATE SEQUENCE " + tries);
        fixtures.executeStatement("""
                CREATE FUNCTION fail_first_try() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    -- Nested: only this batch's events count the tries (an AND may be evaluated in either order).
                    IF EXISTS (SELECT 1 FROM batches b WHERE b.workspace_id = NEW.workspace_id AND b.id = NEW.batch_id
                                 AND b.name = '%s') THEN
                        IF nextval('%s') = 1 THEN
                            RAISE EXCEPTION 'could not serialize access (a test''s first try)' USING ERRCODE = '40001';
                        END IF;
                    END IF;
                    RETURN NULL;
                END $$""".formatted(name, tries));
        fixtures.executeStatement(
                "CREATE TRIGGER fail_first_try AFTER INSERT ON events FOR EACH ROW EXECUTE FUNCTION fail_first_try()");
        return tries;
    }
}
