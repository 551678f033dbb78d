package io.batchcall.telephony.sip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.batchcall.config.SipConfig;
import io.batchcall.config.SipLimits;
import io.batchcall.support.Await;
import io.batchcall.support.MutableClock;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The SIP endpoint against hostile peers played by raw UDP and TCP sockets from the test: what it reads is bounded
 * (message size, inbound TCP connections, silence on them), TCP opens only when a call needs it, and requests
 * from addresses that are neither a trunk nor a party of a call are dropped. The trunk here is 127.0.0.1; a
 * stranger is 127.0.0.2 (the whole of 127/8 reaches loopback on Linux).
 */
class SipEndpointGuardTest {
    private static final InetAddress TRUNK = address("127.0.0.1");
    private static final InetAddress STRANGER = address("127.0.0.2");
    /** How long "no answer" is waited for: far above a loopback round trip, far below the timeouts under test. */
    private static final Duration SILENCE = Duration.ofMillis(800);

    private final List<AutoCloseable> opened = new ArrayList<>();
    private SipEndpoint endpoint;

    @AfterEach
    void close() throws Exception {
        for (var closeable : opened.reversed()) {
            closeable.close();
        }
        if (endpoint != null) {
            endpoint.close();
        }
    }

    @Test
    void tcp_is_not_opened_until_a_call_needs_it() throws Exception {
        start(SipLimits.defaults());

        assertThatThrownBy(() -> new Socket(TRUNK, endpoint.port()).close()).isInstanceOf(ConnectException.class);
        endpoint.ensureTcp();
        try (var socket = new Socket(TRUNK, endpoint.port())) {
            assertThat(answerOver(socket, options())).startsWith("SIP/2.0 200");
        }
    }

    @Test
    void options_and_invites_from_an_address_that_is_no_trunk_are_dropped_unanswered() throws Exception {
        start(SipLimits.defaults());

        try (var stranger = new DatagramSocket(0, STRANGER)) {
            assertThat(udpAnswer(stranger, options())).isEmpty();
            assertThat(udpAnswer(stranger, invite())).isEmpty();
        }
        try (var trunk = new DatagramSocket(0, TRUNK)) {
            assertThat(udpAnswer(trunk, options()))
                    .hasValueSatisfying(answer -> assertThat(answer).startsWith("SIP/2.0 200"));
            assertThat(udpAnswer(trunk, invite()))
                    .hasValueSatisfying(answer -> assertThat(answer).startsWith("SIP/2.0 "));
        }
    }

    @Test
    void a_message_over_the_size_limit_closes_its_tcp_connection_unanswered() throws Exception {
        start(new SipLimits(4_096, 16, Duration.ofSeconds(10)));
        endpoint.ensureTcp();

        try (var socket = new Socket(TRUNK, endpoint.port())) {
            socket.setSoTimeout(5_000);
            socket.getOutputStream()
                    .write(overTcp(options("X-Padding: " + "a".repeat(8_000) + "\r\n"))
                            .getBytes(StandardCharsets.US_ASCII));
            assertThat(readUntilClosed(socket.getInputStream())).doesNotContain("SIP/2.0");
        }
        try (var socket = new Socket(TRUNK, endpoint.port())) {
            assertThat(answerOver(socket, options("X-Padding: " + "a".repeat(1_000) + "\r\n")))
                    .startsWith("SIP/2.0 200");
        }
    }

    @Test
    void tcp_connections_beyond_the_cap_are_not_served_until_one_closes() throws Exception {
        start(new SipLimits(SipLimits.DEFAULT_MAX_MESSAGE_BYTES, 2, Duration.ofSeconds(30)));
        endpoint.ensureTcp();
        var first = connect();
        var second = connect();
        assertThat(answerOver(first, options())).startsWith("SIP/2.0 200");
        assertThat(answerOver(second, options())).startsWith("SIP/2.0 200");

        var third = connect();
        third.getOutputStream().write(overTcp(options()).getBytes(StandardCharsets.US_ASCII));
        third.setSoTimeout((int) SILENCE.toMillis());
        assertThatThrownBy(() -> third.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);

        first.close();
        assertThat(readAnswer(third)).startsWith("SIP/2.0 200");
    }

    @Test
    void a_silent_tcp_connection_is_closed_after_the_read_timeout() throws Exception {
        start(new SipLimits(SipLimits.DEFAULT_MAX_MESSAGE_BYTES, 16, Duration.ofMillis(500)));
        endpoint.ensureTcp();

        try (var socket = new Socket(TRUNK, endpoint.port())) {
            socket.setSoTimeout(10_000);
            long started = System.nanoTime();
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(400));
        }
    }

    // ---- helpers

    /** An endpoint whose one configured trunk is 127.0.0.1, once it has looked its trunks up. */
    private void start(SipLimits limits) throws IOException {
        var clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        endpoint = SipEndpoint.start(
                new SipConfig("127.0.0.1", 0, SipConfig.DEFAULT_T1, limits),
                new SipPeers(() -> List.of("127.0.0.1:5060"), host -> List.of(InetAddress.getAllByName(host)), clock));
        try (var probe = new DatagramSocket(0, TRUNK)) {
            Await.until(
                    Duration.ofSeconds(10),
                    "the endpoint knows its trunk",
                    () -> udpAnswer(probe, options()).isPresent());
        }
    }

    private Socket connect() throws IOException {
        var socket = new Socket();
        socket.connect(new InetSocketAddress(TRUNK, endpoint.port()), 2_000);
        opened.add(socket);
        return socket;
    }

    private Optional<String> udpAnswer(DatagramSocket socket, String request) {
        try {
            var bytes = request.getBytes(StandardCharsets.US_ASCII);
            socket.send(new DatagramPacket(bytes, bytes.length, TRUNK, endpoint.port()));
            socket.setSoTimeout((int) SILENCE.toMillis());
            var packet = new DatagramPacket(new byte[65_535], 65_535);
            socket.receive(packet);
            return Optional.of(new String(packet.getData(), 0, packet.getLength(), StandardCharsets.US_ASCII));
        } catch (SocketTimeoutException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String answerOver(Socket socket, String request) throws IOException {
        socket.getOutputStream().write(overTcp(request).getBytes(StandardCharsets.US_ASCII));
        return readAnswer(socket);
    }

    /** The head of the first message that comes back (up to its blank line). */
    private static String readAnswer(Socket socket) throws IOException {
        socket.setSoTimeout(5_000);
        var text = new StringBuilder();
        var in = socket.getInputStream();
        while (!text.toString().contains("\r\n\r\n")) {
            int next = in.read();
            if (next < 0) {
                break;
            }
            text.append((char) next);
        }
        return text.toString();
    }

    /** The same request with a TCP Via, so that the answer comes back on the connection. */
    private static String overTcp(String request) {
        return request.replace("Via: SIP/2.0/UDP 127.0.0.1:9;rport;", "Via: SIP/2.0/TCP 127.0.0.1:9;");
    }

    private static String readUntilClosed(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }

    private String options() {
        return options("");
    }

    private String options(String extraHeaders) {
        return request("OPTIONS", extraHeaders);
    }

    private String invite() {
        return request("INVITE", "Contact: <sip:caller@127.0.0.2>\r\n");
    }

    /** A request whose answer comes back where it came from (rport over UDP, the same connection over TCP). */
    private String request(String method, String extraHeaders) {
        var branch = "z9hG4bK" + UUID.randomUUID().toString().replace("-", "");
        return method + " sip:batchcall@127.0.0.1:" + endpoint.port() + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:9;rport;branch=" + branch + "\r\n"
                + "From: <sip:probe@127.0.0.1>;tag="
                + UUID.randomUUID().toString().substring(0, 8) + "\r\n"
                + "To: <sip:batchcall@127.0.0.1>\r\n"
                + "Call-ID: " + UUID.randomUUID() + "@test\r\n"
                + "CSeq: 1 " + method + "\r\n"
                + "Max-Forwards: 70\r\n"
                + extraHeaders
                + "Content-Length: 0\r\n\r\n";
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
