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
     * Answering-machine detection's verdict ({@code answeredBy}, the provider's word: {@code machine_end_beep},
     * {@code human}...). Detection never ends the call or frees its slot: the agent may leave a message, so the
     * attempt lasts until the call ends, and a machine verdict makes that end a voicemail.
     */
    record MachineDetected(AttemptRef attempt, String answeredBy) implements CallEvent {
        public MachineDetected {
            java.util.Objects.requireNonNull(answeredBy, "answeredBy");
        }

        public AttemptPhase phase() {
            return AttemptPhase.ANSWERED;
        }

        /** Whether the verdict is a machine (a voicemail greeting), as opposed to a human, a fax or unknown. */
        public boolean machine() {
            return isMachine(answeredBy);
        }

        public static boolean isMachine(String answeredBy) {
            return answeredBy.startsWith("machine_");
        }
    }

    /**
     * The call ended with {@code outcome}; {@code reachedProvider} says whether a call exists at the provider (and
     * so a conversation), as opposed to a dial that never went out.
     */
    record Ended(
            AttemptRef attempt,
            Outcome outcome,
            Optional<String> providerStatus,
            Optional<Integer> sipCode,
            boolean reachedProvider)
            implements CallEvent {
        public AttemptPhase phase() {
            return AttemptPhase.ENDED;
        }
    }
}
