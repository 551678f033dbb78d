package io.batchcall.telephony.media;

import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * One RTP packet (RFC 3550 §5.1): version 2, no padding, no CSRCs and no header extension when we write one.
 * Parsing accepts CSRCs, an extension and padding from the other side and keeps only the payload. Sequence numbers
 * and timestamps are unsigned and kept in ints and longs.
 */
public record RtpPacket(boolean marker, int payloadType, int sequence, long timestamp, long ssrc, byte[] payload) {
    public static final int HEADER_BYTES = 12;

    public RtpPacket {
        if (payloadType < 0 || payloadType > 127) {
            throw new IllegalArgumentException("payload type out of range: " + payloadType);
        }
        sequence &= 0xFFFF;
        timestamp &= 0xFFFF_FFFFL;
        ssrc &= 0xFFFF_FFFFL;
    }

    public byte[] toBytes() {
        var buffer = ByteBuffer.allocate(HEADER_BYTES + payload.length);
        buffer.put((byte) 0x80);
        buffer.put((byte) ((marker ? 0x80 : 0) | payloadType));
        buffer.putShort((short) sequence);
        buffer.putInt((int) timestamp);
        buffer.putInt((int) ssrc);
        buffer.put(payload);
        return buffer.array();
    }

    /** The packet in these bytes, or empty when they are not RTP version 2 or are cut short. */
    public static Optional<RtpPacket> parse(byte[] data, int length) {
        if (length < HEADER_BYTES || (data[0] & 0xC0) != 0x80) {
            return Optional.empty();
        }
        var buffer = ByteBuffer.wrap(data, 0, length);
        int first = buffer.get() & 0xFF;
        int second = buffer.get() & 0xFF;
        int sequence = buffer.getShort() & 0xFFFF;
        long timestamp = buffer.getInt() & 0xFFFF_FFFFL;
        long ssrc = buffer.getInt() & 0xFFFF_FFFFL;
        int offset = HEADER_BYTES + 4 * (first & 0x0F);
        if ((first & 0x10) != 0) {
            if (length < offset + 4) {
                return Optional.empty();
            }
            int words = ((data[offset + 2] & 0xFF) << 8) | (data[offset + 3] & 0xFF);
            offset += 4 + 4 * words;
        }
        int end = length;
        if ((first & 0x20) != 0 && length > offset) {
            end -= data[length - 1] & 0xFF;
        }
        if (end < offset) {
            return Optional.empty();
        }
        var payload = java.util.Arrays.copyOfRange(data, offset, end);
        return Optional.of(new RtpPacket((second & 0x80) != 0, second & 0x7F, sequence, timestamp, ssrc, payload));
    }

    /**
     * Whether sequence number {@code a} comes after {@code b}, modulo 2^16 (RFC 1982 serial arithmetic): a
     * wrap from 65535 to 0 is "after".
     */
    public static boolean isAfter(int a, int b) {
        int difference = (a - b) & 0xFFFF;
        return difference != 0 && difference < 0x8000;
    }
}
