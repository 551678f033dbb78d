package io.batchcall.dispatch;

import io.batchcall.domain.AttemptRef;
import io.batchcall.store.DialChecks;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * The dial gate asked for many dials in one read. A claim's dials all come due at about the same instant, and one
 * indexed read each (hundreds at once, each holding a pooled connection) cost more than the dials; here a dial
 * queues its question and whoever holds the lock next reads every question queued so far, while later ones queue
 * for the read after. Every question is queued after its dial's instant was read and before the read that answers
 * it is sent, so the gate's guarantee (a pause that returned is never followed by a dial) holds as for one read.
 */
final class DialGates {
    private final Function<List<DialChecks.GateQuestion>, Map<AttemptRef, DialChecks.DialGate>> read;
    private final ConcurrentLinkedQueue<Asked> queue = new ConcurrentLinkedQueue<>();
    private final ReentrantLock reader = new ReentrantLock();

    private record Asked(DialChecks.GateQuestion question, CompletableFuture<DialChecks.DialGate> answer) {}

    DialGates(Function<List<DialChecks.GateQuestion>, Map<AttemptRef, DialChecks.DialGate>> read) {
        this.read = read;
    }

    /** The gate's answer for one dial; a failed read throws, as one read of its own would. */
    DialChecks.DialGate ask(AttemptRef attempt, String batchId) {
        var asked = new Asked(new DialChecks.GateQuestion(attempt, batchId), new CompletableFuture<>());
        queue.add(asked);
        reader.lock();
        try {
            if (!asked.answer().isDone()) {
                readQueued();
            }
        } finally {
            reader.unlock();
        }
        try {
            return asked.answer().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking the dial gate", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException runtime
                    ? runtime
                    : new IllegalStateException("the dial gate could not be read", e.getCause());
        }
    }

    /** Reads every question queued so far (this caller's among them) and answers each. */
    private void readQueued() {
        var taken = new ArrayList<Asked>();
        Asked next;
        while ((next = queue.poll()) != null) {
            taken.add(next);
        }
        try {
            var answers = read.apply(taken.stream().map(Asked::question).toList());
            taken.forEach(a -> a.answer().complete(answers.get(a.question().attempt())));
        } catch (RuntimeException e) {
            taken.forEach(a -> a.answer().completeExceptionally(e));
        }
    }
}
