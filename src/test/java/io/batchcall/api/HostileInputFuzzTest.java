package io.batchcall.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.Await;
import io.batchcall.support.Fixtures;
import io.batchcall.support.HttpResult;
import io.batchcall.support.RawHttp;
import io.batchcall.support.TestServer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Hostile values (U+0000, unpaired surrogates, huge and deep values, wrong types, odd encodings, invalid JSON,
 * huge numbers) sent to every route the server has, in its path, query, Idempotency-Key and body: never a 5xx,
 * nothing created or changed by a request that was refused, and the node still dispatches afterwards. Seeded,
 * so a failure replays exactly; bounded in tries, so it stays a few seconds of the default suite.
 */
class HostileInputFuzzTest {
    private static final String SEED = "20261130";
    /** Rows a request could create or change; api_keys is left out (its last-used time moves on any request). */
    private static final List<String> TABLES = List.of(
            "workspaces",
            "agents",
            "branches",
            "phone_numbers",
            "batches",
            "recipients",
            "attempts",
            "conversations",
            "idempotency_keys");

    private static final List<String> QUERY_NAMES = List.of(
            "agent_id",
            "batch_call_id",
            "cursor",
            "last_doc",
            "limit",
            "page_size",
            "provider",
            "recipient_id",
            "search");

    private static TestServer server;
    private static Fixtures fixtures;
    private static RawHttp raw;
    private static String agentId;
    private static List<String> routes;
    private static java.sql.Connection database;

    @BeforeContainer
    static void start() {
        server = TestServer.start();
        fixtures = new Fixtures(server);
        raw = new RawHttp(server.port());
        agentId = fixtures.agent(TestServer.API_KEY, "Fuzz agent");
        fixtures.phoneNumber(TestServer.API_KEY, agentId);
        routes = server.routes();
        try {
            database = java.sql.DriverManager.getConnection(server.databaseUrl(), "postgres", "");
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterContainer
    static void stop() throws java.sql.SQLException {
        database.close();
        server.close();
    }

    /** One hostile request: a route, what fills its path parameters, a query, a key, and a body. */
    record Hostile(
            String route,
            String pathValue,
            boolean realAgentInPath,
            String queryName,
            String queryValue,
            String idempotencyKey,
            byte[] body) {
        String method() {
            return route.substring(0, route.indexOf(' '));
        }

        String target() {
            var path = route.substring(route.indexOf(' ') + 1)
                    .replaceAll("\\{agent_id}", realAgentInPath && !method().equals("DELETE") ? agentId : pathValue)
                    .replaceAll("\\{[^}]+}|<[^>]+>", pathValue);
            return path + "?" + queryName + "=" + queryValue;
        }

        @Override
        public String toString() {
            var shown = new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8);
            return method() + " " + target() + " key=" + idempotencyKey.length() + " chars body(" + body.length
                    + " bytes)=" + shown;
        }
    }

    @Property(tries = 400, seed = SEED, shrinking = ShrinkingMode.OFF)
    void a_hostile_request_never_gets_a_server_error_and_changes_nothing_when_refused(
            @ForAll("hostileRequests") Hostile request) {
        var before = snapshot();
        var headers = new LinkedHashMap<String, String>();
        headers.put("xi-api-key", TestServer.API_KEY);
        headers.put("Authorization", "Bearer " + TestServer.ADMIN_TOKEN);
        headers.put("Content-Type", "application/json");
        if (!request.idempotencyKey().isEmpty()) {
            headers.put("Idempotency-Key", request.idempotencyKey());
        }

        HttpResult response = raw.send(request.method(), request.target(), headers, request.body());

        assertThat(response.status()).as(request + " -> " + response).isLessThan(500);
        if (response.status() >= 400) {
            assertThat(snapshot())
                    .as("a refused request changed something: " + request + " -> " + response)
                    .isEqualTo(before);
        }
    }

    /** What the fuzzing found first: a 404 under an Idempotency-Key committed the key. */
    @Example
    void a_cancel_or_retry_of_a_batch_that_does_not_exist_leaves_no_idempotency_key_behind() {
        for (var action : List.of("cancel", "retry")) {
            var response = raw.send(
                    "POST",
                    "/v1/convai/batch-calling/btcal_missing/" + action,
                    Map.of("xi-api-key", TestServer.API_KEY, "Idempotency-Key", "missing-" + action),
                    null);

            assertThat(response.status()).isEqualTo(404);
            assertThat(fixtures.queryOne(
                            "SELECT count(*) FROM idempotency_keys WHERE key = :key",
                            Map.of("key", "missing-" + action),
                            Integer.class))
                    .isZero();
        }
    }

    /** After every hostile request, an ordinary batch on the simulator still runs to the end on this node. */
    @AfterProperty
    void the_node_still_dispatches_afterwards() {
        var submitted = server.client().post("/v1/convai/batch-calling/submit", """
                {"call_name":"After the fuzz","agent_id":"%s","recipients":[{"phone_number":"+14155550199",
                  "conversation_initiation_client_data":{"dynamic_variables":{"sim_outcome":"completed"}}}]}""".formatted(agentId));
        assertThat(submitted.status()).as(submitted.toString()).isEqualTo(200);
        var batchId = submitted.json().get("id").asText();
        Await.until(
                Duration.ofSeconds(30),
                "an ordinary batch completes after the fuzzing",
                () -> server.client().batchStatus(batchId).equals("completed"));
    }

    @Provide
    Arbitrary<Hostile> hostileRequests() {
        return Combinators.combine(
                        Arbitraries.of(routes),
                        Arbitraries.of(HOSTILE_URL_TEXT),
                        Arbitraries.of(true, false),
                        Arbitraries.of(QUERY_NAMES),
                        Arbitraries.of(HOSTILE_URL_TEXT),
                        Arbitraries.of(HOSTILE_KEYS),
                        bodies())
                .as(Hostile::new);
    }

    /** Percent-encoded text for paths and queries, as a client (or an attacker) writes it on the wire. */
    private static final List<String> HOSTILE_URL_TEXT = List.of(
            "%00",
            "a%00b",
            "%ED%A0%80",
            "%ED%B0%80x",
            "%C0%80",
            "%zz",
            "%",
            "%FF%FE",
            "%E2%80%AE",
            "..%2F..%2Fetc",
            "%F0%9F%98%80",
            "-1",
            "0",
            "1e999999",
            "99999999999999999999999",
            "%20",
            "null",
            "[]",
            "x".repeat(3_000),
            "btcal_" + "0".repeat(28));

    /** Idempotency-Key values; empty means none is sent. */
    private static final List<String> HOSTILE_KEYS =
            List.of("", "", "ok-key", "a\u0000b", " ", "k".repeat(300), "\u00ff\u00fe");

    // The bodies here stay raw text, not support/Body: the hostile values are spliced in as JSON text (escapes of
    // lone surrogates, U+0000 keys, 5,000-deep nesting, numbers past any double, duplicate keys, bytes that are not
    // UTF-8), which a builder would refuse or normalise, and then the server would never see them.

    /** Raw JSON values to put where a body's field is, and whole bodies that are not JSON at all. */
    private static final List<String> HOSTILE_JSON_VALUES = List.of(
            "\"\\u0000\"",
            "\"a\\u0000b\"",
            "\"\\ud800\"",
            "\"x\\udc00\"",
            "\"\\udc00\\ud800\"",
            "\"\\ud83d\\ude00 fine\"",
            "1e999999",
            "-1e-999999",
            "9".repeat(200),
            "1.5",
            "-0",
            "true",
            "null",
            "[]",
            "{}",
            "[\"\\u0000\"]",
            "{\"\\u0000\":1}",
            "{\"k\\ud800\":\"v\"}",
            "\"" + "s".repeat(1_100_000) + "\"",
            "[".repeat(5_000) + "]".repeat(5_000),
            "{\"a\":".repeat(200) + "1" + "}".repeat(200),
            "\"\"",
            "\"   \"",
            "\"+14155550123\"");

    private static final List<String> TEMPLATES = List.of(
            "{\"name\":%s}",
            "{\"name\":\"Agent\",\"tags\":[%s]}",
            "{\"name\":\"Agent\",\"conversation_config\":{\"agent\":{\"first_message\":%s}}}",
            "{\"name\":%s,\"agent_id\":\"AGENT\",\"phone_number\":\"+14155550123\",\"label\":%s,"
                    + "\"provider\":\"twilio\",\"sid\":\"AC1\",\"token\":\"t\"}",
            "{\"call_name\":\"Fuzz\",\"agent_id\":\"AGENT\",\"scheduled_time_unix\":4102444800,\"recipients\":["
                    + "{\"phone_number\":\"+14155550123\",\"conversation_initiation_client_data\":"
                    + "{\"dynamic_variables\":{\"v\":%s}}}]}",
            "{\"call_name\":%s,\"agent_id\":\"AGENT\",\"scheduled_time_unix\":4102444800,\"recipients\":["
                    + "{\"phone_number\":%s,\"id\":%s}]}",
            "{\"call_name\":\"Fuzz\",\"agent_id\":\"AGENT\",\"scheduled_time_unix\":4102444800,\"recipients\":["
                    + "{\"phone_number\":\"+14155550124\",\"conversation_initiation_client_data\":"
                    + "{\"conversation_config_override\":{\"agent\":{\"prompt\":{\"prompt\":%s}}},\"user_id\":%s}}],"
                    + "\"telephony_call_config\":{\"ringing_timeout_secs\":%s}}",
            "{\"call_name\":\"Fuzz\",\"agent_id\":\"AGENT\",\"recipients\":%s}",
            "{\"agent_id\":%s,\"concurrency_limit\":%s,\"workspace_name\":%s,\"sip_uri\":%s}");

    /** Bodies that are not JSON, or not UTF-8: each is sent whole. */
    private static final List<byte[]> HOSTILE_RAW_BODIES = List.of(
            bytes("{\"name\":\""),
            new byte[] {(byte) 0xFF, '"', '}'},
            bytes("{\"name\":\""),
            new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', '}'},
            bytes("{\"name\":\""),
            new byte[] {(byte) 0xC0, (byte) 0x80, '"', '}'},
            new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '{', '}'},
            new byte[] {(byte) 0xFE, (byte) 0xFF, 0, '{', 0, '}'},
            bytes("{'name': 'single quotes'}"),
            bytes("{\"name\":\"a\"} trailing"),
            bytes("NaN"),
            bytes("{"),
            bytes(""),
            bytes("[1,2,3]"),
            bytes("\"just a string\""),
            bytes("{\"name\":NaN}"),
            bytes("{\"name\":\"a\",\"name\":\"b\"}"),
            bytes("{\"name\":\"a\"}\u0000"));

    private static Arbitrary<byte[]> bodies() {
        var templated = Combinators.combine(
                        Arbitraries.of(TEMPLATES),
                        Arbitraries.of(HOSTILE_JSON_VALUES),
                        Arbitraries.of(HOSTILE_JSON_VALUES))
                .as((template, first, second) -> {
                    // The first placeholder gets the first value, any others the second.
                    var filled = template.replaceFirst("%s", java.util.regex.Matcher.quoteReplacement(first))
                            .replace("%s", second)
                            .replace("AGENT", agentId);
                    return filled.getBytes(StandardCharsets.UTF_8);
                });
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, templated), net.jqwik.api.Tuple.of(2, Arbitraries.of(rawBodies())));
    }

    private static List<byte[]> rawBodies() {
        // Pairs in HOSTILE_RAW_BODIES that start with a prefix are joined: a prefix, then its bad bytes.
        var joined = new java.util.ArrayList<byte[]>();
        for (int i = 0; i < HOSTILE_RAW_BODIES.size(); i++) {
            var part = HOSTILE_RAW_BODIES.get(i);
            if (i < 6 && i % 2 == 0) {
                var out = new ByteArrayOutputStream();
                out.writeBytes(part);
                out.writeBytes(HOSTILE_RAW_BODIES.get(++i));
                joined.add(out.toByteArray());
            } else {
                joined.add(part);
            }
        }
        return joined;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** A digest of every row of every table a request could write, in one query on one kept connection. */
    private static String snapshot() {
        var sql = TABLES.stream()
                .map(table -> "'" + table + "=' || coalesce((SELECT md5(string_agg(t::text, ',' ORDER BY t::text))"
                        + " FROM " + table + " t), '')")
                .collect(java.util.stream.Collectors.joining(" || ' ' || ", "SELECT ", ""));
        try (var statement = database.createStatement();
                var rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getString(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
