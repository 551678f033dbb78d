package io.batchcall.domain;

import java.math.BigDecimal;
import java.util.Optional;

/** A telephony provider, named on the wire as ElevenLabs names it (plus our {@code simulator}). */
public enum Provider {
    TWILIO("twilio", new BigDecimal("1")),
    SIP_TRUNK("sip_trunk", new BigDecimal("10")),
    EXOTEL("exotel", new BigDecimal("3")),
    WHATSAPP("whatsapp", new BigDecimal("1")),
    SIMULATOR("simulator", new BigDecimal("1000"));

    private final String wireName;
    private final BigDecimal defaultCps;

    Provider(String wireName, BigDecimal defaultCps) {
        this.wireName = wireName;
        this.defaultCps = defaultCps;
    }

    public String wireName() {
        return wireName;
    }

    /**
     * Calls per second a new number of this provider may start unless configured otherwise. Twilio queues calls
     * above an account's CPS silently (1 by default), which would break ringing timeouts; trunks answer 503 above
     * theirs; Exotel allows 200 calls a minute.
     */
    public BigDecimal defaultCps() {
        return defaultCps;
    }

    /** Every value, once: {@code values()} copies the array, and every batch row read parses this. */
    private static final Provider[] ALL = values();

    public static Optional<Provider> fromWire(String name) {
        for (var value : ALL) {
            if (value.wireName.equals(name)) {
                return Optional.of(value);
            }
        }
        return Optional.empty();
    }
}
