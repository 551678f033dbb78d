package io.batchcall.config;

import java.time.Duration;

/**
 * The agent's side of a call: how long after an answered call ends its {@code post_call_transcription} waits for
 * the agent's report before it goes out with what is known.
 */
public record ConversationConfig(Duration postCallReportWait) {
    public static final Duration DEFAULT_POST_CALL_REPORT_WAIT = Duration.ofSeconds(30);
}
