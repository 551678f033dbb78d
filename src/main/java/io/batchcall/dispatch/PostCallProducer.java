package io.batchcall.dispatch;

import io.batchcall.store.PostCallTranscriptions;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends each answered or voicemail call's {@code post_call_transcription} once the agent has reported, or once it
 * had {@code reportWait} after the call ended to do so (then with what is known). The events go to the outbox;
 * delivery is the webhook sender's. Every node runs one; the store's claim and guard keep each event single.
 * A report that arrives while the event waits sends it at once, in the report's transaction: this loop is what
 * sends the others.
 */
public final class PostCallProducer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PostCallProducer.class);
    /** How often a node looks for conversations whose wait is over. */
    private static final Duration POLL_INTERVAL = Duration.ofSeconds(1);

    private static final int BATCH = 200;

    private final PostCallTranscriptions transcriptions;
    private final Duration reportWait;
    private ScheduledExecutorService scheduler;

    public PostCallProducer(PostCallTranscriptions transcriptions, Duration reportWait) {
        this.transcriptions = transcriptions;
        this.reportWait = reportWait;
    }

    /** Appends every event due now; returns how many. */
    public int runOnce() {
        int total = 0;
        int appended;
        do {
            appended = transcriptions.appendDue(reportWait, BATCH);
            total += appended;
        } while (appended == BATCH);
        return total;
    }

    public PostCallProducer start() {
        scheduler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("batchcall-post-call").daemon(true).factory());
        scheduler.scheduleWithFixedDelay(
                () -> {
                    try {
                        runOnce();
                    } catch (RuntimeException e) {
                        log.warn("Post-call events not appended, retrying at the next round error={}", e.toString());
                    }
                },
                0,
                POLL_INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
        return this;
    }

    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }
}
