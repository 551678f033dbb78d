package io.batchcall;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.config.Config;
import io.batchcall.support.ApiClient;
import io.batchcall.support.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The embedded database as a new user gets it: a first start, then a restart on the same data directory. */
class FirstStartTest {
    private static final Pattern PRINTED_KEY = Pattern.compile("bc_[A-Za-z0-9]{40}");

    private record Started(App app, String console) {}

    private static Started startEmbedded(Path dataDirectory, Map<String, String> extra) {
        var env = new HashMap<String, String>(Map.of(
                "BATCHCALL_PORT",
                "0",
                "BATCHCALL_DATA_DIR",
                dataDirectory.toString(),
                "BATCHCALL_ADMIN_TOKEN",
                TestServer.ADMIN_TOKEN));
        env.putAll(extra);
        var console = new ByteArrayOutputStream();
        var app = App.start(
                Config.fromEnvironment(env),
                Clock.systemUTC(),
                new PrintStream(console, true, StandardCharsets.UTF_8),
                List.of());
        return new Started(app, console.toString(StandardCharsets.UTF_8));
    }

    @Test
    void a_first_start_prints_a_key_once_and_a_restart_keeps_the_key_and_the_data() throws Exception {
        var dataDirectory = TestServer.tempDirectory().resolve("data");
        String key;
        String workspaceId;

        var first = startEmbedded(dataDirectory, Map.of());
        try (var app = first.app()) {
            var matcher = PRINTED_KEY.matcher(first.console());
            assertThat(matcher.find()).as("a key is printed on first start").isTrue();
            key = matcher.group();
            assertThat(ApiClient.anonymous(app.port()).get("/health").status()).isEqualTo(200);
            var agent = java.util.regex.Pattern.compile("agent_[a-z0-9]{28}").matcher(first.console());
            assertThat(agent.find()).as("the demo agent is printed").isTrue();
            var submitted = ApiClient.withKey(app.port(), key)
                    .post(
                            "/v1/convai/batch-calling/submit",
                            "{\"call_name\":\"demo\",\"agent_id\":\"" + agent.group()
                                    + "\",\"recipients\":[{\"phone_number\":\"+14155550123\"}]}");
            assertThat(submitted.status()).as(submitted.toString()).isEqualTo(200);
            assertThat(submitted.json().get("phone_provider").asText()).isEqualTo("simulator");
            workspaceId = ApiClient.admin(app.port(), TestServer.ADMIN_TOKEN)
                    .post("/admin/v1/workspaces", "{\"name\":\"Survives restarts\"}")
                    .json()
                    .get("workspace_id")
                    .asText();
        }

        var second = startEmbedded(dataDirectory, Map.of());
        try (var app = second.app()) {
            assertThat(second.console()).doesNotContainPattern(PRINTED_KEY);
            assertThat(ApiClient.withKey(app.port(), key)
                            .get("/v1/batchcall/workspace")
                            .status())
                    .isEqualTo(200);
            assertThat(ApiClient.admin(app.port(), TestServer.ADMIN_TOKEN)
                            .get("/admin/v1/workspaces/" + workspaceId)
                            .json()
                            .get("name")
                            .asText())
                    .isEqualTo("Survives restarts");
        }
        assertThat(Files.exists(dataDirectory.resolve("secret.key"))).isTrue();
        assertThat(Files.exists(dataDirectory.resolve("postgres/PG_VERSION"))).isTrue();
        assertThat(Files.readString(dataDirectory.resolve("postgres/PG_VERSION"))
                        .strip())
                .isEqualTo("17");
    }

    @Test
    void the_embedded_database_keeps_every_commit_across_a_crash() throws Exception {
        var dataDirectory = TestServer.tempDirectory().resolve("data");
        var started = startEmbedded(dataDirectory, Map.of());
        try (var app = started.app()) {
            var settings = new java.util.HashMap<String, String>();
            // The embedded server's own settings, read through its SQL interface.
            var port = Files.readAllLines(dataDirectory.resolve("postgres/postmaster.pid"))
                    .get(3)
                    .strip();
            try (var connection = java.sql.DriverManager.getConnection(
                            "jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", "");
                    var statement = connection.createStatement();
                    var rows = statement.executeQuery("SELECT name, setting FROM pg_settings WHERE name IN"
                            + " ('synchronous_commit', 'fsync', 'full_page_writes')")) {
                while (rows.next()) {
                    settings.put(rows.getString(1), rows.getString(2));
                }
            }
            assertThat(settings)
                    .containsEntry("synchronous_commit", "on")
                    .containsEntry("fsync", "on")
                    .containsEntry("full_page_writes", "on");
            assertThat(ApiClient.anonymous(app.port()).get("/ready").status()).isEqualTo(200);
        }
    }

    @Test
    void a_configured_key_is_used_as_given_and_never_printed() {
        var dataDirectory = TestServer.tempDirectory().resolve("data");
        var configured = "my-own-key-for-the-default-workspace";

        var started = startEmbedded(dataDirectory, Map.of("BATCHCALL_API_KEY", configured));
        try (var app = started.app()) {
            assertThat(started.console()).doesNotContain(configured).doesNotContainPattern(PRINTED_KEY);
            assertThat(ApiClient.withKey(app.port(), configured)
                            .get("/v1/batchcall/workspace")
                            .json()
                            .get("name")
                            .asText())
                    .isEqualTo("Default");
        }
    }
}
