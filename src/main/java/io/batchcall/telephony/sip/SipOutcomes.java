package io.batchcall.telephony.sip;

import io.batchcall.domain.Outcome;
import java.util.Optional;

/**
 * What a final SIP response to our INVITE means for the attempt. Busy covers the callee refusing (486, 600,
 * 603); no answer covers 408 and 480; 503 is a trunk over its limits or down for a while, so it may succeed
 * later; every other failure (404, 410, 484, 604 and the rest) is a failure with its code. A 401/407 is
 * answered once with credentials; refusing them again (or with 403) makes the number unusable.
 */
final class SipOutcomes {
    private SipOutcomes() {}

    /** What to do with a failure response (300 and above) to the INVITE. */
    sealed interface Verdict {
        /** Send the INVITE again with digest credentials. */
        record Challenge() implements Verdict {}

        /** No call can succeed with this number's settings: the batch fails. */
        record Unusable(String reason) implements Verdict {}

        record End(Outcome outcome, String providerStatus, int status) implements Verdict {}
    }

    /**
     * @param cancelling why we CANCELled the INVITE, if we did: its 487 (or a challenge crossing the CANCEL) ends
     *                   the call as that
     */
    static Verdict ofFailure(
            int status, String reason, boolean hasCredentials, boolean challenged, Optional<Outcome> cancelling) {
        boolean challenge = status == 401 || status == 407;
        if (cancelling.isPresent() && (challenge || status == 487)) {
            return new Verdict.End(cancelling.get(), providerStatus(status, reason), status);
        }
        if (challenge && !hasCredentials) {
            return new Verdict.Unusable(
                    "the trunk asks for digest authentication (" + status + ") and the number has no credentials");
        }
        if (challenge && challenged) {
            return new Verdict.Unusable("the trunk rejected the number's credentials (" + status + " again)");
        }
        if (challenge) {
            return new Verdict.Challenge();
        }
        if (status == 403 && challenged) {
            return new Verdict.Unusable("the trunk rejected the number's credentials (403 after the challenge)");
        }
        return new Verdict.End(ofFinalResponse(status, reason), providerStatus(status, reason), status);
    }

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
