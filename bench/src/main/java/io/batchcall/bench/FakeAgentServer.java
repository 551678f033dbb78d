package io.batchcall.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A WebSocket server on loopback, just enough of RFC 6455 for an agent that speaks Twilio's Media Streams: the
 * upgrade handshake, masked text frames in (fragmented or not), unmasked text frames out, ping and close. Each
 * connection gets its own virtual thread and its own {@link Session}, made by {@code sessions}.
 */
final class FakeAgentServer implements AutoCloseable {
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /** One agent connection: told each text message, and can send its own. */
    interface Session {
        void onText(String text, Connection connection) throws IOException;
    }

    private final ServerSocket server;
    private final Function<Connection, Session> sessions;
    private final CopyOnWriteArrayList<Connection> connections = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    FakeAgentServer(Function<Connection, Session> sessions) throws IOException {
        this.sessions = sessions;
        this.server = new ServerSocket(0, 1_000, InetAddress.getLoopbackAddress());
        this.acceptor = Thread.ofVirtual().name("fake-agent-accept").start(this::accept);
    }

    URI url() {
        return URI.create("ws://127.0.0.1:" + server.getLocalPort() + "/media");
    }

    private void accept() {
        while (!server.isClosed()) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                return;
            }
            var connection = new Connection(socket);
            connections.add(connection);
            Thread.ofVirtual().name("fake-agent").start(() -> connection.serve(sessions.apply(connection)));
        }
    }

    /** The Sec-WebSocket-Accept value for a client's key (RFC 6455 §4.2.2). */
    static String acceptKey(String key) {
        try {
            var sha1 = MessageDigest.getInstance("SHA-1").digest((key + GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(sha1);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        connections.forEach(Connection::close);
        acceptor.interrupt();
    }

    /** One WebSocket connection. */
    static final class Connection {
        private final Socket socket;
        private OutputStream out;

        Connection(Socket socket) {
            this.socket = socket;
        }

        void serve(Session session) {
            try (socket) {
                socket.setTcpNoDelay(true);
                var in = new BufferedInputStream(socket.getInputStream());
                out = socket.getOutputStream();
                handshake(in);
                var message = new ByteArrayOutputStream();
                while (true) {
                    int first = in.read();
                    if (first < 0) {
                        return;
                    }
                    int opcode = first & 0x0F;
                    boolean fin = (first & 0x80) != 0;
                    var payload = payload(in);
                    switch (opcode) {
                        case 0x0, 0x1 -> {
                            message.writeBytes(payload);
                            if (fin) {
                                session.onText(message.toString(StandardCharsets.UTF_8), this);
                                message.reset();
                            }
                        }
                        case 0x8 -> {
                            send(0x8, payload);
                            return;
                        }
                        case 0x9 -> send(0xA, payload);
                        default -> {
                            // pong or binary: not part of Media Streams
                        }
                    }
                }
            } catch (IOException e) {
                // the bridge hung up
            }
        }

        private void handshake(InputStream in) throws IOException {
            String key = null;
            String line;
            while (!(line = readLine(in)).isEmpty()) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("sec-websocket-key")) {
                    key = line.substring(colon + 1).trim();
                }
            }
            if (key == null) {
                throw new IOException("not a WebSocket upgrade");
            }
            var response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: " + acceptKey(key) + "\r\n\r\n";
            synchronized (this) {
                out.write(response.getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        }

        private static String readLine(InputStream in) throws IOException {
            var line = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0 && c != '\n') {
                if (c != '\r') {
                    line.append((char) c);
                }
            }
            if (c < 0 && line.isEmpty()) {
                throw new IOException("connection closed during the handshake");
            }
            return line.toString();
        }

        private static byte[] payload(InputStream in) throws IOException {
            int second = in.read();
            if (second < 0) {
                throw new IOException("connection closed mid-frame");
            }
            boolean masked = (second & 0x80) != 0;
            long length = second & 0x7F;
            if (length == 126) {
                var bytes = readFully(in, 2);
                length = (bytes[0] & 0xFFL) << 8 | (bytes[1] & 0xFFL);
            }
            if (length == 127) {
                var bytes = readFully(in, 8);
                length = 0;
                for (byte b : bytes) {
                    length = length << 8 | (b & 0xFF);
                }
            }
            var mask = masked ? readFully(in, 4) : new byte[4];
            var payload = readFully(in, Math.toIntExact(length));
            for (int i = 0; i < payload.length; i++) {
                payload[i] ^= mask[i & 3];
            }
            return payload;
        }

        private static byte[] readFully(InputStream in, int count) throws IOException {
            var bytes = in.readNBytes(count);
            if (bytes.length != count) {
                throw new IOException("connection closed mid-frame");
            }
            return bytes;
        }

        void sendText(String text) throws IOException {
            send(0x1, text.getBytes(StandardCharsets.UTF_8));
        }

        private synchronized void send(int opcode, byte[] payload) throws IOException {
            var frame = new ByteArrayOutputStream(payload.length + 10);
            frame.write(0x80 | opcode);
            if (payload.length < 126) {
                frame.write(payload.length);
            } else if (payload.length < 65_536) {
                frame.write(126);
                frame.write(payload.length >>> 8);
                frame.write(payload.length & 0xFF);
            } else {
                frame.write(127);
                for (int shift = 56; shift >= 0; shift -= 8) {
                    frame.write((int) ((long) payload.length >>> shift) & 0xFF);
                }
            }
            frame.writeBytes(payload);
            out.write(frame.toByteArray());
            out.flush();
        }

        void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
