package io.batchcall.domain;

import java.time.Instant;
import java.util.Optional;

/**
 * What happened to one attempt's call, as a provider, a reconciliation or the dispatcher reports it. The one
 * vocabulary of the attempt lifecycle: providers report these, the recorder queues them, and the store's
 * lifecycle writer applies them, each moving its attempt only forward.
 */
public sealed interface CallEvent {
    AttemptRef attempt();

    /** The phase the attempt reaches with this event. */
    AttemptPhase phase();

    /** The provider took the call, with its id; the dial request went out at {@code dialedAt}. */
    record Accepted(AttemptRef attempt, String providerCallId, Instant dialedAt) implements CallEvent {
        public AttemptPhase phase() {
            return AttemptPhase.RINGING;
        }
    }

    /** The callee's phone rings. */
    record Ringing(AttemptRef attempt) implements CallEvent {
        public AttemptPhase phase() {
            return AttemptPhase.RINGING;
        }
    }

    /** The callee (or a machine) answered. */
    record Answered(AttemptRef attempt) implements CallEvent {
        public AttemptPhase phase() {
            return AttemptPhase.ANSWERED;
        }
    }

    /**
     * The call ended with {@code outcome}; {@code reachedProvider} says whether a call exists at the provider (and
     * so a conversation), as opposed to a dial that never went out.
     */
    record Ended(AttemptRef attempt, Outcome outcome, Optional<String> providerStatus, Optional<Integer> sipCode,
                 boolean reachedProvider) implements CallEvent {
        public AttemptPhase phase() {
            return AttemptPhase.ENDED;
        }
    }
}
