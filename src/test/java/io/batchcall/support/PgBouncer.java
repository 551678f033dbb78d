package io.batchcall.support;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A PgBouncer process on 127.0.0.1 in front of the test PostgreSQL, in the pool mode a test asks for (Debian package
 * pgbouncer; CI installs it). PgBouncer refuses to run as root, so under root it is started as the {@code postgres}
 * user, which the package creates; its files are made readable to that user.
 */
public final class PgBouncer implements AutoCloseable {
    private final Process process;
    private final Path directory;
    private final int port;

    private PgBouncer(Process process, Path directory, int port) {
        this.process = process;
        this.directory = directory;
        this.port = port;
    }

    /** The pgbouncer binary, when installed (Debian puts it in /usr/sbin, often not on a user's PATH). */
    public static Optional<Path> binary() {
        var path = System.getenv("PATH");
        var dirs = new ArrayList<String>(path == null ? List.of() : List.of(path.split(File.pathSeparator)));
        dirs.add("/usr/sbin");
        return dirs.stream()
                .map(dir -> Path.of(dir, "pgbouncer"))
                .filter(Files::isExecutable)
                .findFirst();
    }

    /** Starts PgBouncer in front of the database of {@code jdbcUrl} (user postgres, no password). */
    public static PgBouncer start(String jdbcUrl, String poolMode) {
        var target = URI.create(jdbcUrl.substring("jdbc:".length()));
        try {
            var directory = Files.createTempDirectory("pgbouncer");
            Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxrwxrwx"));
            int port = freePort();
            Files.writeString(directory.resolve("users.txt"), "\"postgres\" \"\"\n");
            Files.writeString(directory.resolve("pgbouncer.ini"), """
                    [databases]
                    * = host=127.0.0.1 port=%d
                    [pgbouncer]
                    listen_addr = 127.0.0.1
                    listen_port = %d
                    unix_socket_dir =
                    auth_type = trust
                    auth_file = %s
                    pool_mode = %s
                    max_client_conn = 200
                    default_pool_size = 40
                    ignore_startup_parameters = extra_float_digits,options
                    logfile = %s
                    pidfile = %s
                    """.formatted(
                            target.getPort(),
                            port,
                            directory.resolve("users.txt"),
                            poolMode,
                            directory.resolve("pgbouncer.log"),
                            directory.resolve("pgbouncer.pid")));
            try (Stream<Path> files = Files.list(directory)) {
                for (var file : files.toList()) {
                    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
                }
            }
            var command = new ArrayList<String>();
            command.add(binary().orElseThrow(() -> new IllegalStateException("pgbouncer is not installed"))
                    .toString());
            if ("root".equals(System.getProperty("user.name"))) {
                command.addAll(List.of("-u", "postgres"));
            }
            command.add(directory.resolve("pgbouncer.ini").toString());
            var process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(directory.resolve("stdout.txt").toFile())
                    .start();
            var bouncer = new PgBouncer(process, directory, port);
            bouncer.awaitListening();
            return bouncer;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A JDBC URL for {@code database} through this PgBouncer. */
    public String jdbcUrl(String databaseJdbcUrl) {
        var target = URI.create(databaseJdbcUrl.substring("jdbc:".length()));
        return "jdbc:postgresql://127.0.0.1:" + port + target.getPath() + "?user=postgres";
    }

    private void awaitListening() {
        Await.until(Duration.ofSeconds(20), "pgbouncer listening on " + port, () -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("pgbouncer exited: " + log());
            }
            try {
                new java.net.Socket("127.0.0.1", port).close();
                return true;
            } catch (IOException e) {
                return false;
            }
        });
    }

    private String log() {
        try {
            var log = directory.resolve("pgbouncer.log");
            return Files.exists(log) ? Files.readString(log) : Files.readString(directory.resolve("stdout.txt"));
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static int freePort() throws IOException {
        try (var socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
