package io.batchcall;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.ApiClient;
import io.batchcall.support.JarNode;
import io.batchcall.support.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The built jar, started as the README says, as a separate process: what a new user actually runs. */
class JarStartIT {
    private static final Pattern PRINTED_KEY = Pattern.compile("bc_[A-Za-z0-9]{40}");
    /** The README promises a first start within 30 s; this bound is that promise, not a benchmark. */
    private static final Duration FIRST_START_BOUND = Duration.ofSeconds(30);

    @Test
    void the_jar_starts_on_an_embedded_database_prints_its_key_once_and_keeps_data_across_restarts() throws Exception {
        assertThat(JarNode.JAR).as("built by mvn package").exists();
        var dataDirectory = TestServer.tempDirectory().resolve("data");
        var env = Map.of("BATCHCALL_DATA_DIR", dataDirectory.toString());

        String key;
        try (var first = JarNode.start(env, FIRST_START_BOUND)) {
            var matcher = PRINTED_KEY.matcher(first.output());
            assertThat(matcher.find())
                    .as("key printed on first start:\n%s", first.output())
                    .isTrue();
            key = matcher.group();
            assertThat(ApiClient.anonymous(first.port()).get("/health").status())
                    .isEqualTo(200);
            assertThat(ApiClient.withKey(first.port(), key)
                            .get("/v1/batchcall/workspace")
                            .status())
                    .isEqualTo(200);

            assertThat(first.stop()).isIn(0, 143);
            assertThat(first.output()).contains("Embedded PostgreSQL stopped");
        }
        assertThat(Files.exists(dataDirectory.resolve("postgres/postmaster.pid")))
                .as("PostgreSQL stopped with the server")
                .isFalse();

        try (var second = JarNode.start(env, FIRST_START_BOUND)) {
            assertThat(second.output()).doesNotContainPattern(PRINTED_KEY);
            assertThat(ApiClient.withKey(second.port(), key)
                            .get("/v1/batchcall/workspace")
                            .status())
                    .isEqualTo(200);
            second.stop();
        }
    }

    @Test
    void a_port_another_process_holds_stops_the_jar_with_status_1_saying_so() throws Exception {
        try (var taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            var exit =
                    runToExit(Map.of("BATCHCALL_PORT", String.valueOf(taken.getLocalPort())), Duration.ofSeconds(60));

            assertThat(exit.status()).as(exit.output()).isEqualTo(1);
            assertThat(exit.output())
                    .contains("batchcall cannot start: Port already in use")
                    .contains("Embedded PostgreSQL stopped");
        }
    }

    @Test
    void bad_settings_stop_the_jar_at_once_listing_every_problem() throws Exception {
        var exit = runToExit(Map.of("BATCHCALL_PORT", "eighty", "BATCHCALL_API_KEY", "short"), Duration.ofSeconds(30));

        assertThat(exit.status()).as(exit.output()).isEqualTo(2);
        assertThat(exit.output())
                .contains("BATCHCALL_PORT must be a whole number")
                .contains("BATCHCALL_API_KEY must be at least 20")
                .doesNotContain("short");
    }

    private record Exit(int status, String output) {}

    /**
     * Runs the jar with {@code env}, in a data directory of its own, until it exits. One still running after
     * {@code bound} is killed, with its child processes, and fails the test: a server that should have stopped but
     * stays up is the defect these tests catch, and it must not hold the build.
     */
    private static Exit runToExit(Map<String, String> env, Duration bound) throws Exception {
        var builder = new ProcessBuilder(
                        ProcessHandle.current().info().command().orElse("java"), "-jar", JarNode.JAR.toString())
                .redirectErrorStream(true);
        builder.environment().putAll(env);
        builder.environment()
                .put("BATCHCALL_DATA_DIR", TestServer.tempDirectory().toString());
        var process = builder.start();
        var output = CompletableFuture.supplyAsync(() -> {
            try (var reader = process.inputReader(StandardCharsets.UTF_8)) {
                return reader.lines().collect(Collectors.joining("\n"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        if (!process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor();
            throw new AssertionError(
                    "the jar was still running after " + bound + ":\n" + output.get(10, TimeUnit.SECONDS));
        }
        return new Exit(process.exitValue(), output.get(10, TimeUnit.SECONDS));
    }
}
