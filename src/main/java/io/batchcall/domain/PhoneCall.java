package io.batchcall.domain;

import java.util.Objects;
import java.util.Optional;

/**
 * The telephony side of a conversation ({@code metadata.phone_call}). {@code type} is {@code twilio},
 * {@code exotel} or {@code sip_trunking}, the variants the official SDKs know: every other provider reports itself
 * as a SIP call there. A WhatsApp call has {@code type} {@code whatsapp}: it is shown as ElevenLabs shows one, in
 * {@code metadata.whatsapp} (the user's id is {@code externalNumber}), never as a {@code phone_call}, whose
 * variants the SDKs check. {@code direction} is {@code outbound} or {@code inbound}.
 */
public record PhoneCall(
        String direction,
        String agentNumber,
        String externalNumber,
        String type,
        String callSid,
        Optional<String> streamSid) {
    public static final String OUTBOUND = "outbound";
    public static final String TWILIO = "twilio";
    public static final String EXOTEL = "exotel";
    public static final String SIP_TRUNKING = "sip_trunking";
    public static final String WHATSAPP = "whatsapp";

    public PhoneCall {
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(agentNumber, "agentNumber");
        Objects.requireNonNull(externalNumber, "externalNumber");
        Objects.requireNonNull(callSid, "callSid");
        if (!TWILIO.equals(type) && !EXOTEL.equals(type) && !SIP_TRUNKING.equals(type) && !WHATSAPP.equals(type)) {
            throw new IllegalArgumentException(
                    "a phone call's type is twilio, exotel, sip_trunking or whatsapp, not " + type);
        }
    }

    /** The wire {@code type} of a call placed through a number of this provider. */
    public static String typeOf(Provider provider) {
        return switch (provider) {
            case TWILIO -> TWILIO;
            case EXOTEL -> EXOTEL;
            case WHATSAPP -> WHATSAPP;
            case SIP_TRUNK, SIMULATOR -> SIP_TRUNKING;
        };
    }
}
