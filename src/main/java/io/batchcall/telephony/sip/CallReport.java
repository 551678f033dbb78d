package io.batchcall.telephony.sip;

import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.Outcome;
import io.batchcall.telephony.CallEventSink;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Reports one call's events to the sink in order and only forward (ringing, answered, ended once), off the SIP
 * stack's threads: JAIN-SIP delivers responses on several threads (a 180 may overtake its 100), and the sink
 * writes to the database, which must not hold up the stack.
 */
final class CallReport {
    private enum Level {
        NONE,
        RINGING,
        ANSWERED,
        ENDED
    }

    private final CallEventSink sink;
    private final AttemptRef attempt;
    private final ExecutorService serial =
            Executors.newSingleThreadExecutor(Thread.ofVirtual().factory());
    private Level level = Level.NONE;

    CallReport(CallEventSink sink, AttemptRef attempt) {
        this.sink = sink;
        this.attempt = attempt;
    }

    synchronized void ringing() {
        if (moveTo(Level.RINGING)) {
            serial.execute(() -> sink.ringing(attempt));
        }
    }

    synchronized void answered() {
        if (moveTo(Level.ANSWERED)) {
            serial.execute(() -> sink.answered(attempt));
        }
    }

    /** Reports the end; false when the call had already ended (the first end wins). */
    synchronized boolean ended(Outcome outcome, String providerStatus, Optional<Integer> sipCode) {
        if (!moveTo(Level.ENDED)) {
            return false;
        }
        serial.execute(() -> sink.ended(attempt, outcome, Optional.of(providerStatus), sipCode));
        serial.shutdown();
        return true;
    }

    /** Ends the report without telling the sink: the dial request's own result carries the end. */
    synchronized void endedSilently() {
        level = Level.ENDED;
        serial.shutdown();
    }

    private boolean moveTo(Level next) {
        if (level.compareTo(next) >= 0) {
            return false;
        }
        level = next;
        return true;
    }
}
