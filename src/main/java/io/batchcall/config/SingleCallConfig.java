package io.batchcall.config;

import java.time.Duration;

/**
 * ElevenLabs' single outbound calls: how long, beyond its ringing timeout, a request waits for its call to be dialed
 * (the number's pace, a busy provider) before the call is cancelled and the request answered (a WhatsApp call waiting
 * for the user's permission stays queued). A proxy in front of batchcall whose own timeout is shorter than the ringing
 * timeout and this margin cuts those requests off first.
 */
public record SingleCallConfig(Duration dialWaitMargin) {
    public static final Duration DEFAULT_DIAL_WAIT_MARGIN = Duration.ofSeconds(15);
}
