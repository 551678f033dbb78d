package io.batchcall.bench;

import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * A 20 ms G.711 frame (160 bytes) that says which call and which packet it is, so that the bridge scenario can
 * match what arrives on one side with what was sent on the other: a magic word, the call's index and the packet's
 * number, then a constant tone byte. The bridge relays μ-law unchanged (PCMU both sides), so the stamp survives.
 */
record AudioStamp(int call, int packet) {
    static final int FRAME_BYTES = 160;
    private static final int MAGIC = 0x42434C54; // "BCLT"
    /** Not μ-law silence (0xFF), so a stamped frame is never taken for the bridge's own filler. */
    private static final byte FILL = 0x2A;

    byte[] frame() {
        var buffer = ByteBuffer.allocate(FRAME_BYTES);
        buffer.putInt(MAGIC).putInt(call).putInt(packet);
        while (buffer.hasRemaining()) {
            buffer.put(FILL);
        }
        return buffer.array();
    }

    /** The stamp of a frame, or empty for any other audio (silence, a frame cut elsewhere). */
    static Optional<AudioStamp> read(byte[] frame) {
        if (frame.length < 12) {
            return Optional.empty();
        }
        var buffer = ByteBuffer.wrap(frame);
        if (buffer.getInt() != MAGIC) {
            return Optional.empty();
        }
        return Optional.of(new AudioStamp(buffer.getInt(), buffer.getInt()));
    }
}
