package io.batchcall.telephony.simulator;

import java.time.Duration;

/** What one simulated call will do: its outcome, how long it rings, how long it talks once answered. */
record SimulatedCall(Script outcome, Duration ring, Duration talk) {
    enum Script {
        COMPLETED("completed"),
        BUSY("busy"),
        NO_ANSWER("no_answer"),
        VOICEMAIL("voicemail"),
        FAILED("failed");

        final String wireName;

        Script(String wireName) {
            this.wireName = wireName;
        }

        static java.util.Optional<Script> fromWire(String name) {
            return java.util.Arrays.stream(values())
                    .filter(s -> s.wireName.equals(name))
                    .findFirst();
        }
    }
}
