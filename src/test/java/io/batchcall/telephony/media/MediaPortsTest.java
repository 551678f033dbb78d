package io.batchcall.telephony.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.batchcall.config.MediaConfig;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MediaPortsTest {
    private static final Duration SILENCE = Duration.ofSeconds(30);

    @Test
    void sockets_take_even_ports_of_the_range_on_the_media_address_and_skip_taken_ones() throws SocketException {
        var ports = new MediaPorts(new MediaConfig("127.0.0.1", 42_101, 42_106, 5, SILENCE));
        try (var squatter = new DatagramSocket(42_104, InetAddress.getLoopbackAddress());
                var first = ports.open();
                var second = ports.open()) {
            assertThat(first.getLocalAddress().getHostAddress()).isEqualTo("127.0.0.1");
            assertThat(first.getLocalPort()).isEqualTo(42_102);
            assertThat(second.getLocalPort()).isEqualTo(42_106);
            assertThat(squatter.isBound()).isTrue();
            assertThatThrownBy(ports::open)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no free media port in 42101-42106");
        }
    }

    @Test
    void a_freed_port_is_the_last_to_be_reused() throws SocketException {
        var ports = new MediaPorts(new MediaConfig("127.0.0.1", 42_120, 42_125, 5, SILENCE));
        int firstPort;
        try (var first = ports.open()) {
            firstPort = first.getLocalPort();
        }
        try (var second = ports.open();
                var third = ports.open();
                var fourth = ports.open()) {
            assertThat(second.getLocalPort()).isNotEqualTo(firstPort);
            assertThat(third.getLocalPort()).isNotEqualTo(firstPort);
            assertThat(fourth.getLocalPort()).isEqualTo(firstPort);
        }
    }

    @Test
    void the_bridges_open_are_counted_until_each_ends() {
        var ports = new MediaPorts(new MediaConfig("127.0.0.1", 42_130, 42_139, 5, SILENCE));
        var random = new java.security.SecureRandom();
        var first = MediaBridge.open(ports, true, random);
        var second = MediaBridge.open(ports, false, random);
        assertThat(ports.bridgesOpen()).isEqualTo(2);

        first.stop();
        first.stop();
        assertThat(ports.bridgesOpen())
                .as("a bridge ends once, however often it is stopped")
                .isEqualTo(1);
        second.close();
        assertThat(ports.bridgesOpen()).isZero();
    }

    @Test
    void a_range_outside_the_unprivileged_ports_or_backwards_is_refused() {
        assertThatThrownBy(() -> new MediaConfig("127.0.0.1", 80, 100, 5, SILENCE))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MediaConfig("127.0.0.1", 30_000, 20_000, 5, SILENCE))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MediaConfig("127.0.0.1", 20_000, 30_000, 0, SILENCE))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
