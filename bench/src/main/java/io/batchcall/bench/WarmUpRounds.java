package io.batchcall.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleSupplier;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;

/**
 * Warm-ups repeated until the server's JIT has settled: after each round, another only while the JIT compiled for
 * more than {@link #SETTLED} of the round's length, and never more than a given number of rounds. A server that
 * has been running for hours compiles nothing more; one measured while it still compiles is slower by what the
 * compiler threads take from its two cores (a quarter to a half on the dispatch path: docs/performance.md, "Dispatch,
 * profiled"; about half the list's measured time after one round of its warm-up).
 */
final class WarmUpRounds {
    /** Compile time over a round's length at or below which the JIT counts as settled. */
    static final double SETTLED = 0.1;

    private WarmUpRounds() {}

    /** One round: how long it took and how long the JIT compiled meanwhile, both in seconds. */
    record Round(double seconds, double compileSeconds) {
        double compileShare() {
            return seconds <= 0 ? 0 : compileSeconds / seconds;
        }
    }

    /**
     * The most any one node compiled between two readings of every node's total compile time (seconds, the nodes in
     * the same order): with two nodes, the one furthest from settled.
     */
    static double mostCompiling(double[] before, double[] after) {
        if (before.length != after.length) {
            throw new IllegalArgumentException("both readings must have every node");
        }
        double most = 0;
        for (int i = 0; i < before.length; i++) {
            most = Math.max(most, after[i] - before[i]);
        }
        return most;
    }

    /**
     * How long {@code work} took and how long the JIT compiled meanwhile, read from {@code compileSeconds} (the
     * server's total compile time) just before and just after it.
     */
    static Round timed(DoubleSupplier compileSeconds, Runnable work) {
        double before = compileSeconds.getAsDouble();
        long started = System.nanoTime();
        work.run();
        double seconds = (System.nanoTime() - started) / 1e9;
        return new Round(seconds, compileSeconds.getAsDouble() - before);
    }

    /**
     * A scenario's warm-up: rounds of {@code round} (given its index) until the JIT has settled, at most {@code
     * maxRounds}, each timed with {@link #timed} and printed as a line naming {@code what}.
     */
    static List<Round> untilSettled(String what, int maxRounds, DoubleSupplier compileSeconds, IntConsumer round) {
        return until(maxRounds, index -> {
            var done = timed(compileSeconds, () -> round.accept(index));
            System.out.printf("   %s warm-up round %d: the JIT compiled for %.2f x its %.1f s%n", what, index + 1,
                    done.compileShare(), done.seconds());
            return done;
        });
    }

    /** The rounds run, in order; {@code run} runs the round of the given index (0, 1, ...). */
    static List<Round> until(int maxRounds, IntFunction<Round> run) {
        if (maxRounds < 1) {
            throw new IllegalArgumentException("at least one warm-up round");
        }
        var rounds = new ArrayList<Round>();
        do {
            rounds.add(run.apply(rounds.size()));
        } while (rounds.size() < maxRounds && rounds.getLast().compileShare() > SETTLED);
        return rounds;
    }
}
