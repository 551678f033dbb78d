package io.batchcall.telephony.media;

import java.util.Optional;

/**
 * An RFC 4733 telephone-event payload (4 bytes): the event (0-9, 10 = *, 11 = #, 12-15 = A-D), the end bit, the
 * volume in -dBm0 and the duration so far in timestamp units. One key press is several packets with the same RTP
 * timestamp and a growing duration, the last ones (sent three times) with the end bit.
 */
public record TelephoneEvent(int event, boolean end, int volume, int duration) {
    private static final String DIGITS = "0123456789*#ABCD";
    /** The payload type we offer for telephone-event/8000 (dynamic; the answer may choose another). */
    public static final int DEFAULT_PAYLOAD_TYPE = 101;

    public TelephoneEvent {
        if (event < 0 || event > 255 || volume < 0 || volume > 63 || duration < 0 || duration > 0xFFFF) {
            throw new IllegalArgumentException("telephone event out of range");
        }
    }

    public static TelephoneEvent of(char digit, boolean end, int duration) {
        int event = DIGITS.indexOf(Character.toUpperCase(digit));
        if (event < 0) {
            throw new IllegalArgumentException("not a DTMF digit: " + digit);
        }
        return new TelephoneEvent(event, end, 10, duration);
    }

    /** The key as Twilio names it in a {@code dtmf} message, when the event is a DTMF key. */
    public Optional<Character> digit() {
        return event < DIGITS.length() ? Optional.of(DIGITS.charAt(event)) : Optional.empty();
    }

    public byte[] toBytes() {
        return new byte[] {(byte) event, (byte) ((end ? 0x80 : 0) | volume), (byte) (duration >> 8), (byte) duration};
    }

    public static Optional<TelephoneEvent> parse(byte[] payload) {
        if (payload.length < 4) {
            return Optional.empty();
        }
        return Optional.of(new TelephoneEvent(
                payload[0] & 0xFF,
                (payload[1] & 0x80) != 0,
                payload[1] & 0x3F,
                ((payload[2] & 0xFF) << 8) | (payload[3] & 0xFF)));
    }

    public static boolean isDigit(char digit) {
        return DIGITS.indexOf(Character.toUpperCase(digit)) >= 0;
    }
}
