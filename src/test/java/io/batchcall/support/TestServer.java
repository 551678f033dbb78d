package io.batchcall.support;

import io.batchcall.App;
import io.batchcall.api.RouteGroup;
import io.batchcall.config.Config;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole app on a free loopback port, against a fresh database of the test PostgreSQL, with a known default
 * API key and admin token. Close it after the test class.
 */
public final class TestServer implements AutoCloseable {
    public static final String API_KEY = "bc_test_default_workspace_key_0001";
    public static final String ADMIN_TOKEN = "test-admin-token-0001";

    private final App app;
    private final String databaseUrl;
    private final ByteArrayOutputStream console;

    private TestServer(App app, String databaseUrl, ByteArrayOutputStream console) {
        this.app = app;
        this.databaseUrl = databaseUrl;
        this.console = console;
    }

    public static TestServer start() {
        return start(Map.of(), List.of());
    }

    /** Starts with the standard settings, overridden or extended by {@code env}. */
    public static TestServer start(Map<String, String> env, List<RouteGroup> extraRoutes) {
        return startOn(TestDatabase.freshDatabaseUrl(), env, extraRoutes);
    }

    /** Starts on an existing database, as a second node or a restarted one would. */
    public static TestServer startOn(String databaseUrl, Map<String, String> env, List<RouteGroup> extraRoutes) {
        return startOn(databaseUrl, env, extraRoutes, java.util.Optional.empty());
    }

    /** Starts with the standard settings, handing what Meta's WhatsApp webhooks report to {@code events}. */
    public static TestServer startWithWhatsAppEvents(io.batchcall.telephony.whatsapp.WhatsAppEvents events) {
        return startOn(TestDatabase.freshDatabaseUrl(), Map.of(), List.of(), java.util.Optional.of(events));
    }

    private static TestServer startOn(
            String databaseUrl,
            Map<String, String> env,
            List<RouteGroup> extraRoutes,
            java.util.Optional<io.batchcall.telephony.whatsapp.WhatsAppEvents> whatsAppEvents) {
        var settings = new HashMap<String, String>();
        settings.put("BATCHCALL_PORT", "0");
        settings.put("BATCHCALL_DATABASE_URL", databaseUrl);
        settings.put("BATCHCALL_DATABASE_USER", "postgres");
        settings.put("BATCHCALL_DATA_DIR", tempDirectory().toString());
        settings.put("BATCHCALL_API_KEY", API_KEY);
        settings.put("BATCHCALL_ADMIN_TOKEN", ADMIN_TOKEN);
        // Simulated calls that ring and talk briefly, so that batches started by API tests end quickly.
        settings.put("BATCHCALL_SIMULATOR_RING_MS", "20");
        settings.put("BATCHCALL_SIMULATOR_TALK_MS", "50");
        settings.put("BATCHCALL_LEASE_TIMEOUT_SECS", "5");
        // Fake trunks, agents and media servers listen on loopback, which a node refuses by default.
        settings.put("BATCHCALL_ALLOW_PRIVATE_NETWORKS", "true");
        settings.putAll(env);
        settings.values().removeIf(v -> v == null);
        var console = new ByteArrayOutputStream();
        var app = App.start(
                Config.fromEnvironment(settings),
                Clock.systemUTC(),
                new PrintStream(console, true, StandardCharsets.UTF_8),
                extraRoutes,
                whatsAppEvents);
        return new TestServer(app, databaseUrl, console);
    }

    public int port() {
        return app.port();
    }

    public java.util.List<String> routes() {
        return app.routes();
    }

    public String databaseUrl() {
        return databaseUrl;
    }

    public String console() {
        return console.toString(StandardCharsets.UTF_8);
    }

    public ApiClient client() {
        return ApiClient.withKey(port(), API_KEY);
    }

    public ApiClient client(String apiKey) {
        return ApiClient.withKey(port(), apiKey);
    }

    public ApiClient admin() {
        return ApiClient.admin(port(), ADMIN_TOKEN);
    }

    public ApiClient anonymous() {
        return ApiClient.anonymous(port());
    }

    /**
     * A meter without labels as {@code /metrics} shows it to an operator (Prometheus' name: {@code
     * batchcall_uploads_reading}, {@code batchcall_submits_checked_whole_total}).
     */
    public double metric(String name) {
        var metrics = anonymous().get("/metrics");
        if (metrics.status() != 200) {
            throw new AssertionError("/metrics answered " + metrics);
        }
        return metrics.body()
                .lines()
                .filter(line -> line.startsWith(name + " "))
                .map(line -> Double.parseDouble(line.substring(name.length() + 1)))
                .findFirst()
                .orElseThrow(() -> new AssertionError("/metrics has no " + name));
    }

    /** Creates a workspace through the admin API and returns its first API key. */
    public String newWorkspaceKey(String name) {
        var created = admin().post("/admin/v1/workspaces", "{\"name\":\"" + name + "\"}");
        if (created.status() != 201) {
            throw new AssertionError("workspace creation failed: " + created);
        }
        return created.json().get("api_key").asText();
    }

    /**
     * A new directory under the system's temporary one, deleted with everything in it when the test JVM exits
     * (embedded databases' data directories are 40 to 60 MB each, and a run of the suite made about 900 of them).
     * A directory still in use at exit, a jar node's database that was not stopped, is deleted as far as it can be.
     */
    public static Path tempDirectory() {
        try {
            var directory = Files.createTempDirectory("batchcall-test");
            TempDirectories.deleteAtExit(directory);
            return directory;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        app.close();
    }
}
