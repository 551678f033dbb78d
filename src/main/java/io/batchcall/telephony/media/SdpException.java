package io.batchcall.telephony.media;

/** An SDP answer (or a crypto attribute) the media bridge cannot use, with what is wrong in words. */
public final class SdpException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SdpException(String message) {
        super(message);
    }
}
