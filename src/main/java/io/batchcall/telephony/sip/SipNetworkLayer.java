package io.batchcall.telephony.sip;

import gov.nist.core.net.DefaultNetworkLayer;
import gov.nist.core.net.NetworkLayer;
import gov.nist.javax.sip.SipStackImpl;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * JAIN-SIP's sockets (it builds this class by name), as its default layer makes them, except that each inbound TCP
 * connection gets a read timeout: JAIN-SIP's own READ_TIMEOUT only starts after a message's first byte, so a
 * connection that never says anything would hold one of the capped connection slots (and a thread) for ever.
 * Connections we open ourselves, to trunks and agents, are left as they are.
 */
public final class SipNetworkLayer implements NetworkLayer {
    /** Our own stack property: the inbound TCP read timeout in milliseconds. */
    static final String READ_TIMEOUT_PROPERTY = "io.batchcall.sip.TCP_READ_TIMEOUT_MS";

    private final NetworkLayer sockets = DefaultNetworkLayer.SINGLETON;
    private volatile int readTimeoutMillis;

    public SipNetworkLayer() {
        // built by JAIN-SIP through reflection; the timeout comes with the stack
    }

    @Override
    public void setSipStack(SipStackImpl stack) {
        readTimeoutMillis =
                Integer.parseInt(stack.getConfigurationProperties().getProperty(READ_TIMEOUT_PROPERTY, "0"));
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog, InetAddress bindAddress) throws IOException {
        var timeout = readTimeoutMillis;
        return new ServerSocket(port, backlog, bindAddress) {
            @Override
            public Socket accept() throws IOException {
                var socket = super.accept();
                socket.setSoTimeout(timeout);
                return socket;
            }
        };
    }

    @Override
    public SSLServerSocket createSSLServerSocket(int port, int backlog, InetAddress bindAddress) throws IOException {
        return sockets.createSSLServerSocket(port, backlog, bindAddress);
    }

    @Override
    public Socket createSocket(InetAddress address, int port) throws IOException {
        return sockets.createSocket(address, port);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress myAddress) throws IOException {
        return sockets.createSocket(address, port, myAddress);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress myAddress, int myPort) throws IOException {
        return sockets.createSocket(address, port, myAddress, myPort);
    }

    @Override
    public SSLSocket createSSLSocket(InetAddress address, int port) throws IOException {
        return sockets.createSSLSocket(address, port);
    }

    @Override
    public SSLSocket createSSLSocket(InetAddress address, int port, InetAddress myAddress) throws IOException {
        return sockets.createSSLSocket(address, port, myAddress);
    }

    @Override
    public DatagramSocket createDatagramSocket() throws SocketException {
        return sockets.createDatagramSocket();
    }

    @Override
    public DatagramSocket createDatagramSocket(int port, InetAddress bindAddress) throws SocketException {
        return sockets.createDatagramSocket(port, bindAddress);
    }
}
