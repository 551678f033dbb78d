package io.batchcall;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.ApiClient;
import io.batchcall.support.TestServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The built jar, started as the README says, as a separate process: what a new user actually runs. */
class JarStartIT {
    private static final Path JAR = Path.of("target", "batchcall.jar");
    private static final Pattern PRINTED_KEY = Pattern.compile("bc_[A-Za-z0-9]{40}");
    /** The README promises a first start within 30 s; this bound is that promise, not a benchmark. */
    private static final long FIRST_START_BOUND_SECONDS = 30;

    /** A running jar and every line it printed so far. */
    private record Node(Process process, List<String> output, CompletableFuture<Void> drained, int port) {
        String text() {
            return String.join("\n", output);
        }
    }

    private static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    private static int freePort() throws IOException {
        try (var socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Starts the jar and returns once it logs that it has started (or fails after the bound). */
    private static Node start(Path dataDirectory) throws Exception {
        int port = freePort();
        var builder = new ProcessBuilder(java(), "-jar", JAR.toString()).redirectErrorStream(true);
        builder.environment().putAll(Map.of("BATCHCALL_PORT", Integer.toString(port),
                "BATCHCALL_DATA_DIR", dataDirectory.toString()));
        builder.environment().remove("BATCHCALL_API_KEY");
        builder.environment().remove("BATCHCALL_DATABASE_URL");
        var process = builder.start();
        var output = new CopyOnWriteArrayList<String>();
        var started = new CompletableFuture<Void>();
        var drained = new CompletableFuture<Void>();
        Thread.ofVirtual().start(() -> {
            try (var reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    output.add(line);
                    if (line.contains("batchcall started")) {
                        started.complete(null);
                    }
                }
            } catch (IOException e) {
                started.completeExceptionally(e);
            }
            started.completeExceptionally(new AssertionError("the jar exited before starting:\n"
                    + String.join("\n", output)));
            drained.complete(null);
        });
        started.get(FIRST_START_BOUND_SECONDS, TimeUnit.SECONDS);
        return new Node(process, output, drained, port);
    }

    private static int stop(Node node) throws Exception {
        // SIGTERM through the handle: Process.destroy() would also close our end of its output pipe.
        node.process().toHandle().destroy();
        assertThat(node.process().waitFor(60, TimeUnit.SECONDS)).as("stops after SIGTERM").isTrue();
        node.drained().get(10, TimeUnit.SECONDS);
        return node.process().exitValue();
    }

    @Test
    void the_jar_starts_on_an_embedded_database_prints_its_key_once_and_keeps_data_across_restarts()
            throws Exception {
        assertThat(JAR).as("built by mvn package").exists();
        var dataDirectory = TestServer.tempDirectory().resolve("data");

        var first = start(dataDirectory);
        var matcher = PRINTED_KEY.matcher(first.text());
        assertThat(matcher.find()).as("key printed on first start:\n%s", first.text()).isTrue();
        var key = matcher.group();
        assertThat(ApiClient.anonymous(first.port()).get("/health").status()).isEqualTo(200);
        assertThat(ApiClient.withKey(first.port(), key).get("/v1/batchcall/workspace").status()).isEqualTo(200);
        int exit = stop(first);

        assertThat(exit).isIn(0, 143);
        assertThat(first.text()).contains("Embedded PostgreSQL stopped");
        assertThat(Files.exists(dataDirectory.resolve("postgres/postmaster.pid")))
                .as("PostgreSQL stopped with the server").isFalse();

        var second = start(dataDirectory);
        try {
            assertThat(second.text()).doesNotContainPattern(PRINTED_KEY);
            assertThat(ApiClient.withKey(second.port(), key).get("/v1/batchcall/workspace").status()).isEqualTo(200);
        } finally {
            stop(second);
        }
    }

    @Test
    void bad_settings_stop_the_jar_at_once_listing_every_problem() throws Exception {
        var builder = new ProcessBuilder(java(), "-jar", JAR.toString()).redirectErrorStream(true);
        builder.environment().putAll(Map.of("BATCHCALL_PORT", "eighty", "BATCHCALL_API_KEY", "short",
                "BATCHCALL_DATA_DIR", TestServer.tempDirectory().toString()));
        var process = builder.start();
        var output = new ArrayList<String>();
        try (var reader = process.inputReader(StandardCharsets.UTF_8)) {
            reader.lines().forEach(output::add);
        }

        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(2);
        assertThat(String.join("\n", output))
                .contains("BATCHCALL_PORT must be a whole number")
                .contains("BATCHCALL_API_KEY must be at least 20")
                .doesNotContain("short");
    }
}
