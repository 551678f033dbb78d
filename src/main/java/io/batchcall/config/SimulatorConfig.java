package io.batchcall.config;

import java.time.Duration;

/**
 * How the simulator provider behaves when a recipient does not say (with {@code sim_outcome},
 * {@code sim_ring_ms}, {@code sim_talk_ms} dynamic variables): how long calls ring and talk, and how often
 * they end busy, unanswered, on voicemail or failed (the rest complete).
 */
public record SimulatorConfig(
        Duration ring, Duration talk, double busy, double noAnswer, double voicemail, double failed) {
    public static SimulatorConfig defaults() {
        return new SimulatorConfig(Duration.ofSeconds(2), Duration.ofSeconds(5), 0.1, 0.1, 0.1, 0.05);
    }
}
