package io.batchcall.domain;

import java.util.Arrays;
import java.util.Optional;

/**
 * Why a recipient ended {@code cancelled} without a dial. The status stays within ElevenLabs' values (clients
 * switch on them); the reason is our extension.
 */
public enum SkipReason {
    /** The number is on a do-not-call list that applies to the batch. */
    DNC("dnc"),
    /** The person opted out (by API or through an agent during a call). */
    OPTED_OUT("opted_out"),
    /** The calling window's expiry passed while the recipient was still waiting. */
    WINDOW_EXPIRED("window_expired"),
    /** A frequency cap cannot release the number before the window expires. */
    FREQUENCY_CAP_EXHAUSTED("frequency_cap_exhausted"),
    /** No time zone could be found and the policy says to skip rather than hold. */
    TIMEZONE_UNKNOWN("timezone_unknown");

    private final String wireName;

    SkipReason(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static Optional<SkipReason> fromWire(String name) {
        return Arrays.stream(values()).filter(r -> r.wireName.equals(name)).findFirst();
    }
}
