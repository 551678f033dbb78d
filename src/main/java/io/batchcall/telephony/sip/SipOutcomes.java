package io.batchcall.telephony.sip;

import io.batchcall.domain.Outcome;

/**
 * What a final SIP response to our INVITE means for the attempt. Busy covers the callee refusing (486, 600,
 * 603); no answer covers 408 and 480; 503 is a trunk over its limits or down for a while, so it may succeed
 * later; every other failure (404, 410, 484, 604 and the rest) is a failure with its code.
 */
final class SipOutcomes {
    private SipOutcomes() {}

    static Outcome ofFinalResponse(int status, String reason) {
        return switch (status) {
            case 486, 600, 603 -> new Outcome.Busy();
            case 408, 480 -> new Outcome.NoAnswer();
            case 503 -> new Outcome.Failed("the trunk answered " + status + " " + reason, true);
            default -> new Outcome.Failed("the trunk answered " + status + " " + reason, false);
        };
    }

    /** The provider status kept on the attempt for audit: the status line as the trunk sent it. */
    static String providerStatus(int status, String reason) {
        return status + " " + reason;
    }
}
