package io.batchcall.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.DialChecks;
import io.batchcall.support.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DialGatesTest {
    private static final WorkspaceId WORKSPACE = new WorkspaceId("ws_gates");

    @Test
    void dials_that_arrive_while_a_read_is_out_are_answered_together_by_the_next_read() throws Exception {
        var firstReadStarted = new CountDownLatch(1);
        var releaseFirstRead = new CountDownLatch(1);
        var reads = new CopyOnWriteArrayList<List<DialChecks.GateQuestion>>();
        var gates = new DialGates(questions -> {
            reads.add(questions);
            if (reads.size() == 1) {
                firstReadStarted.countDown();
                await(releaseFirstRead);
            }
            var answers = new HashMap<AttemptRef, DialChecks.DialGate>();
            // Attempts whose id ends in "paused" belong to a paused batch.
            questions.forEach(q -> answers.put(
                    q.attempt(),
                    q.attempt().attemptId().endsWith("paused")
                            ? new DialChecks.DialGate.Paused()
                            : new DialChecks.DialGate.Dial()));
            return answers;
        });
        var answers = new ConcurrentHashMap<String, DialChecks.DialGate>();
        var threads = new ArrayList<Thread>();
        threads.add(Thread.ofVirtual().start(() -> answers.put("att_0", gates.ask(ref("att_0"), "batch_1"))));
        await(firstReadStarted);
        var queued = new AtomicInteger();
        for (int i = 1; i <= 20; i++) {
            var id = i % 5 == 0 ? "att_" + i + "_paused" : "att_" + i;
            threads.add(Thread.ofVirtual().start(() -> {
                queued.incrementAndGet();
                answers.put(id, gates.ask(ref(id), "batch_1"));
            }));
        }
        Await.until(Duration.ofSeconds(5), "every dial queued its question", () -> queued.get() == 20);
        // Each asker queues just after counting itself: wait until none is left outside the gate.
        Await.until(
                Duration.ofSeconds(5),
                "every dial waits on the gate",
                () -> threads.stream().skip(1).allMatch(t -> t.getState() == Thread.State.WAITING || !t.isAlive()));
        releaseFirstRead.countDown();
        for (var thread : threads) {
            thread.join(Duration.ofSeconds(5));
        }

        assertThat(answers).hasSize(21);
        assertThat(reads).hasSize(2);
        assertThat(reads.get(1)).hasSize(20);
        assertThat(answers.get("att_5_paused")).isInstanceOf(DialChecks.DialGate.Paused.class);
        assertThat(answers.get("att_4")).isInstanceOf(DialChecks.DialGate.Dial.class);
    }

    @Test
    void a_read_that_fails_fails_every_dial_it_was_to_answer_and_the_next_read_works() {
        var failing = new AtomicInteger(1);
        var gates = new DialGates(questions -> {
            if (failing.getAndDecrement() > 0) {
                throw new IllegalStateException("database away");
            }
            return Map.of(questions.getFirst().attempt(), new DialChecks.DialGate.Dial());
        });

        assertThatThrownBy(() -> gates.ask(ref("att_1"), "batch_1")).hasMessageContaining("database away");
        assertThat(gates.ask(ref("att_2"), "batch_1")).isInstanceOf(DialChecks.DialGate.Dial.class);
    }

    private static AttemptRef ref(String id) {
        return new AttemptRef(WORKSPACE, id);
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(5, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new AssertionError("latch not reached");
            }
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
