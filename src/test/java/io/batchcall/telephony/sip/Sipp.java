package io.batchcall.telephony.sip;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One sipp process playing a UAS scenario from {@code src/test/resources/sipp} on 127.0.0.1, on free ports, with
 * its message trace kept for assertions. Always bounded: {@code -m} calls, {@code -timeout}, and killed on close.
 */
final class Sipp implements AutoCloseable {
    private static final Duration SIPP_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final Path directory;
    private final int port;
    private final int mediaPort;

    private Sipp(Process process, Path directory, int port, int mediaPort) {
        this.process = process;
        this.directory = directory;
        this.port = port;
        this.mediaPort = mediaPort;
    }

    /** Whether a sipp binary is on the PATH (Debian package sip-tester; CI installs it). */
    static boolean installed() {
        var path = System.getenv("PATH");
        return path != null
                && List.of(path.split(File.pathSeparator)).stream()
                        .anyMatch(dir -> Files.isExecutable(Path.of(dir, "sipp")));
    }

    static Sipp start(String scenario, int calls, String... extraArguments) {
        return start(scenario, Map.of(), calls, extraArguments);
    }

    /** Starts a scenario, with {@code replacements} applied to its text first (status codes of the template). */
    static Sipp start(String scenario, Map<String, String> replacements, int calls, String... extraArguments) {
        return startOn(freeUdpPort(), scenario, replacements, calls, extraArguments);
    }

    /** Starts a scenario on a port chosen beforehand (when its arguments depend on the port). */
    static Sipp startOn(
            int port, String scenario, Map<String, String> replacements, int calls, String... extraArguments) {
        try {
            var directory = Files.createTempDirectory("sipp");
            String text;
            try (InputStream in = Sipp.class.getResourceAsStream("/sipp/" + scenario)) {
                if (in == null) {
                    throw new IllegalArgumentException("no scenario " + scenario);
                }
                text = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            }
            for (var replacement : replacements.entrySet()) {
                text = text.replace(replacement.getKey(), replacement.getValue());
            }
            var file = directory.resolve("scenario.xml");
            Files.writeString(file, text, StandardCharsets.ISO_8859_1);
            int mediaPort = freeUdpPort();
            var command = new ArrayList<>(List.of(
                    "sipp",
                    "-sf",
                    file.toString(),
                    "-i",
                    "127.0.0.1",
                    "-p",
                    Integer.toString(port),
                    "-mp",
                    Integer.toString(mediaPort),
                    "-m",
                    Integer.toString(calls),
                    "-nostdin",
                    "-timeout",
                    SIPP_TIMEOUT.toSeconds() + "s",
                    "-timeout_error",
                    "-trace_msg",
                    "-message_file",
                    directory.resolve("messages.log").toString(),
                    "-trace_err",
                    "-error_file",
                    directory.resolve("errors.log").toString(),
                    "-trace_logs",
                    "-log_file",
                    directory.resolve("actions.log").toString()));
            command.addAll(List.of(extraArguments));
            var process = new ProcessBuilder(command)
                    .directory(directory.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(directory.resolve("screen.log").toFile())
                    .start();
            var sipp = new Sipp(process, directory, port, mediaPort);
            var transport = List.of(extraArguments).indexOf("-t");
            boolean tcp = transport >= 0
                    && transport + 1 < extraArguments.length
                    && extraArguments[transport + 1].startsWith("t");
            sipp.awaitListening(tcp);
            return sipp;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Waits until sipp has bound its SIP port (UDP, or TCP when started with {@code -t t1}): on a loaded machine it can take seconds to start, and an INVITE sent
     * before then is retransmitted only until Timer B (3.2 s at the tests' T1), failing the call as unanswered. The
     * port is read from /proc/net/udp rather than probed by binding it, which could take it from sipp.
     */
    private void awaitListening(boolean tcp) {
        var table = Path.of(tcp ? "/proc/net/tcp" : "/proc/net/udp");
        if (!Files.isReadable(table)) {
            return;
        }
        var local = ":%04X ".formatted(port);
        io.batchcall.support.Await.until(
                Duration.ofSeconds(30), "sipp listening on " + (tcp ? "tcp" : "udp") + " port " + port, () -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("sipp exited before listening: " + screen());
                    }
                    try {
                        return Files.readAllLines(table).stream().anyMatch(line -> line.contains(local));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
    }

    private String screen() {
        try {
            return Files.readString(directory.resolve("screen.log"));
        } catch (IOException e) {
            return e.toString();
        }
    }

    static int freeUdpPort() {
        try (var socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int port() {
        return port;
    }

    int mediaPort() {
        return mediaPort;
    }

    /** Waits for sipp to finish its calls; its exit code (0: every call went as the scenario says). */
    int awaitExit(Duration bound) {
        try {
            if (!process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("sipp still running after " + bound + "\n" + diagnostics());
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Every SIP message sipp sent and received. */
    String messages() {
        return read("messages.log");
    }

    String diagnostics() {
        return "sipp messages:\n" + messages() + "\nsipp errors:\n" + read("errors.log") + "\nsipp log:\n"
                + read("actions.log");
    }

    private String read(String name) {
        try {
            var file = directory.resolve(name);
            return Files.exists(file) ? Files.readString(file, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
