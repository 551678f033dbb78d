package io.batchcall.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * batchcall as a user runs it: {@code java -jar batchcall.jar} in its own process, on a free loopback port, with
 * the embedded PostgreSQL in a throw-away data directory. The ports are read from its log.
 */
final class ServerProcess implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern HTTP_PORT = Pattern.compile("batchcall started .*port=(\\d+)");
    private static final Pattern DATABASE_PORT = Pattern.compile("Embedded PostgreSQL started port=(\\d+)");

    private final Process process;
    private final Path log;
    private final URI baseUri;
    private final int databasePort;
    /** The embedded PostgreSQL's data directory (unused by a node on another node's database: it starts none). */
    private final Path databaseDirectory;

    private ServerProcess(Process process, Path log, URI baseUri, int databasePort, Path databaseDirectory) {
        this.databaseDirectory = databaseDirectory;
        this.process = process;
        this.log = log;
        this.baseUri = baseUri;
        this.databasePort = databasePort;
    }

    /**
     * Starts the jar with the same java that runs the harness, and waits until it serves HTTP. With {@code
     * sharedDatabase} (another node's {@link #jdbcUrl}), a further node of the same installation: it uses that
     * database instead of starting its own. With {@code statementStats} the server's
     * embedded database loads {@code pg_stat_statements} (a node on a shared database has none of its own).
     *
     * @param heap the server's {@code -Xmx}, or empty for the JVM's default
     * @param jvmArgs more JVM options (a profiler's, a flight recording's), before {@code -jar}
     */
    static ServerProcess start(Path jar, Path workDirectory, String apiKey, String adminToken,
                               Optional<String> heap, List<String> jvmArgs, Optional<String> sharedDatabase,
                               boolean statementStats) {
        if (statementStats && sharedDatabase.isPresent()) {
            throw new IllegalArgumentException("statement statistics are the embedded database's own");
        }
        var log = workDirectory.resolve("server.log");
        var command = new java.util.ArrayList<>(List.of(javaBinary().toString()));
        heap.ifPresent(h -> command.add("-Xmx" + h));
        command.addAll(jvmArgs);
        command.addAll(List.of("-jar", jar.toString()));
        var builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        var env = builder.environment();
        env.keySet().removeIf(name -> name.startsWith("BATCHCALL_"));
        env.put("BATCHCALL_HOST", "127.0.0.1");
        // The bench's fake peers listen on loopback, which a node refuses by default.
        env.put("BATCHCALL_ALLOW_PRIVATE_NETWORKS", "true");
        env.put("BATCHCALL_PORT", "0");
        env.put("BATCHCALL_DATA_DIR", workDirectory.resolve("data").toString());
        // Where the server's embedded PostgreSQL keeps its data (EmbeddedPostgresServer: the data directory's
        // postgres/), and its postmaster.pid.
        var databaseDirectory = workDirectory.resolve("data").resolve("postgres");
        env.put("BATCHCALL_API_KEY", apiKey);
        env.put("BATCHCALL_ADMIN_TOKEN", adminToken);
        // Every node of one run encrypts with the same key (derived from the run's API key), as nodes sharing a
        // database must.
        env.put("BATCHCALL_SECRET_KEY", secretKey(apiKey));
        if (statementStats) {
            env.put("BATCHCALL_DATABASE_STATEMENT_STATS", "true");
        }
        sharedDatabase.ifPresent(url -> {
            env.put("BATCHCALL_DATABASE_URL", url);
            env.put("BATCHCALL_DATABASE_USER", "postgres");
            env.put("BATCHCALL_NODE_ID", "bench-node-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        });
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + command, e);
        }
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            var text = read(log);
            var http = HTTP_PORT.matcher(text);
            var database = DATABASE_PORT.matcher(text);
            if (http.find() && sharedDatabase.isPresent()) {
                var port = sharedDatabase.get().replaceAll(".*:(\\d+)/.*", "$1");
                return new ServerProcess(process, log, URI.create("http://127.0.0.1:" + http.group(1)),
                        Integer.parseInt(port), databaseDirectory);
            }
            if (http.find(0) && database.find()) {
                return new ServerProcess(process, log, URI.create("http://127.0.0.1:" + http.group(1)),
                        Integer.parseInt(database.group(1)), databaseDirectory);
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("batchcall exited during start-up; its log:\n" + text);
            }
            Pause.of(Duration.ofMillis(100));
        }
        process.destroyForcibly();
        throw new IllegalStateException("batchcall did not start within " + START_TIMEOUT + "; its log:\n"
                + read(log));
    }

    private static String secretKey(String apiKey) {
        try {
            return java.util.Base64.getEncoder().encodeToString(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(("bench secret " + apiKey).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** The java that runs this harness: bench/run chose a JDK 21+ for both. */
    static Path javaBinary() {
        return ProcessHandle.current().info().command().map(Path::of)
                .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java"));
    }

    URI baseUri() {
        return baseUri;
    }

    /** The embedded PostgreSQL's JDBC URL: the baselines run on this very server. */
    String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + databasePort + "/postgres";
    }

    long pid() {
        return process.pid();
    }

    /** CPU time (user + system) the server's JVM has used so far; PostgreSQL's processes are not included. */
    Duration cpuTime() {
        return ProcessCpu.of(process.pid());
    }

    /**
     * CPU time so far of the server's JVM and, apart, of the PostgreSQL it started (found by its data directory's
     * {@code postmaster.pid}: {@code pg_ctl} detaches the postmaster from the JVM).
     */
    ProcessCpu.Split cpuSplit() {
        return ProcessCpu.split(process.pid(), postmasterPid());
    }

    /** CPU time so far of the server's PostgreSQL, its backends and workers, without reading the JVM's. */
    Duration databaseCpuTime() {
        return ProcessCpu.withChildren(postmasterPid());
    }

    private long postmasterPid() {
        var pidFile = databaseDirectory.resolve("postmaster.pid");
        try {
            return Long.parseLong(Files.readAllLines(pidFile).getFirst().trim());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the database's process id from " + pidFile, e);
        }
    }

    /** Runs a full GC in the server (jcmd GC.run), so that the heap in use afterwards is the live set. */
    boolean collectGarbage() {
        var jcmd = javaBinary().resolveSibling("jcmd");
        if (!Files.isExecutable(jcmd)) {
            return false;
        }
        try {
            var gc = new ProcessBuilder(jcmd.toString(), Long.toString(process.pid()), "GC.run")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return gc.waitFor(60, TimeUnit.SECONDS) && gc.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    String logText() {
        return read(log);
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGTERM, as an operator stops it; killed when it does not stop in time. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
