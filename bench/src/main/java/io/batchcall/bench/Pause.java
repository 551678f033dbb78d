package io.batchcall.bench;

import java.time.Duration;

/** Waiting between polls of a server that works on its own; an interrupt stops the harness. */
final class Pause {
    private Pause() {}

    static void of(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
