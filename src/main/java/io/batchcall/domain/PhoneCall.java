package io.batchcall.domain;

import java.util.Objects;
import java.util.Optional;

/**
 * The telephony side of a conversation ({@code metadata.phone_call}). {@code type} is {@code twilio} or
 * {@code sip_trunking}, the only two the official SDKs know: every provider that is not Twilio reports itself as
 * a SIP call there. {@code direction} is {@code outbound} or {@code inbound}.
 */
public record PhoneCall(String direction, String agentNumber, String externalNumber, String type, String callSid,
                        Optional<String> streamSid) {
    public static final String OUTBOUND = "outbound";
    public static final String TWILIO = "twilio";
    public static final String SIP_TRUNKING = "sip_trunking";

    public PhoneCall {
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(agentNumber, "agentNumber");
        Objects.requireNonNull(externalNumber, "externalNumber");
        Objects.requireNonNull(callSid, "callSid");
        if (!TWILIO.equals(type) && !SIP_TRUNKING.equals(type)) {
            throw new IllegalArgumentException("a phone call's type is twilio or sip_trunking, not " + type);
        }
    }

    /** The wire {@code type} of a call placed through a number of this provider. */
    public static String typeOf(Provider provider) {
        return provider == Provider.TWILIO ? TWILIO : SIP_TRUNKING;
    }
}
