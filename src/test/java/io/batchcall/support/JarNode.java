package io.batchcall.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** The built jar running as its own process, as a user starts it, with every line it prints. */
public final class JarNode implements AutoCloseable {
    public static final Path JAR = Path.of("target", "batchcall.jar");

    private final Process process;
    private final List<String> output;
    private final CompletableFuture<Void> drained;
    private final int port;

    private JarNode(Process process, List<String> output, CompletableFuture<Void> drained, int port) {
        this.process = process;
        this.output = output;
        this.drained = drained;
        this.port = port;
    }

    /**
     * The settings of one node of a test cluster: the shared database and secret key, its own node id and data
     * directory, and a short lease so that a dead node's calls are taken over within seconds. Mutable, for a test's
     * own additions.
     */
    public static java.util.HashMap<String, String> clusterEnv(String databaseUrl, String nodeId, String apiKey) {
        var env = new java.util.HashMap<String, String>();
        env.put("BATCHCALL_DATABASE_URL", databaseUrl);
        env.put("BATCHCALL_DATABASE_USER", "postgres");
        env.put("BATCHCALL_API_KEY", apiKey);
        env.put("BATCHCALL_NODE_ID", nodeId);
        env.put("BATCHCALL_LEASE_TIMEOUT_SECS", "3");
        env.put("BATCHCALL_DATA_DIR", TestServer.tempDirectory().toString());
        env.put("BATCHCALL_SECRET_KEY", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
        return env;
    }

    /** Starts the jar with {@code env} (plus a free port) and returns once it logs that it started. */
    public static JarNode start(Map<String, String> env, Duration bound) throws Exception {
        int port;
        try (var socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        var builder = new ProcessBuilder(
                        ProcessHandle.current().info().command().orElse("java"), "-jar", JAR.toString())
                .redirectErrorStream(true);
        builder.environment().keySet().removeIf(name -> name.startsWith("BATCHCALL_"));
        // Fake trunks, agents and media servers listen on loopback, which a node refuses by default.
        builder.environment().put("BATCHCALL_ALLOW_PRIVATE_NETWORKS", "true");
        builder.environment().putAll(env);
        builder.environment().put("BATCHCALL_PORT", Integer.toString(port));
        var process = builder.start();
        var output = new CopyOnWriteArrayList<String>();
        var started = new CompletableFuture<Void>();
        var drained = new CompletableFuture<Void>();
        Thread.ofVirtual().start(() -> {
            try (var reader =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
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
            started.completeExceptionally(
                    new AssertionError("the jar exited before starting:\n" + String.join("\n", output)));
            drained.complete(null);
        });
        try {
            started.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
            throw e;
        }
        return new JarNode(process, output, drained, port);
    }

    public int port() {
        return port;
    }

    public String output() {
        return String.join("\n", output);
    }

    /** SIGTERM through the handle (Process.destroy() would also close our end of its output pipe). */
    public int stop() throws Exception {
        process.toHandle().destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new AssertionError("did not stop within 60 s after SIGTERM");
        }
        drained.get(10, TimeUnit.SECONDS);
        return process.exitValue();
    }

    /** kill -9: no shutdown hook, no goodbye. */
    public void kill() throws InterruptedException {
        process.toHandle().destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.toHandle().destroyForcibly();
        }
    }
}
