package io.batchcall.telephony.media;

import io.batchcall.config.MediaConfig;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hands out one UDP socket per call from the configured port range. It walks the even ports round-robin so that a
 * port just released is the last to be reused (a late packet of the old call then cannot reach a new one), and
 * skips ports another process holds.
 */
public final class MediaPorts {
    private final MediaConfig config;
    private final InetAddress address;
    private final AtomicInteger cursor = new AtomicInteger();
    /** Bridges holding a port now: what the bridged-calls gauge shows. */
    private final AtomicInteger bridges = new AtomicInteger();

    public MediaPorts(MediaConfig config) {
        this.config = config;
        try {
            this.address = InetAddress.getByName(config.host());
        } catch (IOException e) {
            throw new IllegalArgumentException("media host is not an address: " + config.host(), e);
        }
    }

    public MediaConfig config() {
        return config;
    }

    /** How many bridges hold a port of this range now. */
    public int bridgesOpen() {
        return bridges.get();
    }

    /** A bridge opened with {@link #open()} ended and closed its socket. */
    void released() {
        bridges.decrementAndGet();
    }

    /**
     * A socket bound on the next free even port.
     *
     * @throws IllegalStateException when every port of the range is taken
     */
    public DatagramSocket open() {
        int first = (config.firstPort() + 1) & ~1;
        int count = (config.lastPort() - first) / 2 + 1;
        for (int tried = 0; tried < count; tried++) {
            int port = first + 2 * Math.floorMod(cursor.getAndIncrement(), count);
            try {
                var socket = new DatagramSocket(null);
                socket.setReuseAddress(false);
                try {
                    socket.bind(new InetSocketAddress(address, port));
                    bridges.incrementAndGet();
                    return socket;
                } catch (SocketException e) {
                    socket.close();
                }
            } catch (SocketException e) {
                throw new IllegalStateException("cannot create a UDP socket", e);
            }
        }
        throw new IllegalStateException("no free media port in " + config.firstPort() + "-" + config.lastPort());
    }
}
