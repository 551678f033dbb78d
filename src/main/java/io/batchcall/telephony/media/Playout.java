package io.batchcall.telephony.media;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The agent's audio waiting to be played to the caller, μ-law, with the agent's marks at their places in it. Agents
 * usually send speech faster than real time; this queue absorbs it, and the paced sender takes one 20 ms frame at a
 * time. A mark is due once all audio queued before it has been played; {@code clear} (the agent's barge-in) drops
 * the audio and makes every pending mark due, as Twilio does. Bounded: audio beyond {@code capacityBytes} is
 * dropped and counted. Thread-safe.
 */
final class Playout {
    private record Mark(long position, String name) {}

    /** A frame to send and the marks that became due with it. */
    record Frame(byte[] ulaw, List<String> dueMarks) {}

    private final int capacityBytes;
    private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
    private final ArrayDeque<Mark> marks = new ArrayDeque<>();
    private int headOffset;
    private long queuedBytes;
    private long written;
    private long played;
    private long droppedBytes;

    Playout(int capacityBytes) {
        this.capacityBytes = capacityBytes;
    }

    synchronized void add(byte[] ulaw) {
        if (queuedBytes + ulaw.length > capacityBytes) {
            droppedBytes += ulaw.length;
            return;
        }
        chunks.add(ulaw);
        queuedBytes += ulaw.length;
        written += ulaw.length;
    }

    synchronized void mark(String name) {
        marks.add(new Mark(written, name));
    }

    /**
     * Drops the queued audio. Every pending mark becomes due and comes out with the next frame, so that marks are
     * echoed by one thread, in order.
     */
    synchronized void clear() {
        chunks.clear();
        headOffset = 0;
        queuedBytes = 0;
        played = written;
    }

    /** The next frame of {@code size} bytes, padded with silence when less is queued (then nothing is lost). */
    synchronized Frame next(int size, byte silence) {
        var frame = new byte[size];
        int filled = 0;
        while (filled < size && !chunks.isEmpty()) {
            var head = chunks.peek();
            int take = Math.min(size - filled, head.length - headOffset);
            System.arraycopy(head, headOffset, frame, filled, take);
            filled += take;
            headOffset += take;
            if (headOffset == head.length) {
                chunks.poll();
                headOffset = 0;
            }
        }
        queuedBytes -= filled;
        played += filled;
        Arrays.fill(frame, filled, size, silence);
        return new Frame(frame, dueMarks());
    }

    synchronized long queuedBytes() {
        return queuedBytes;
    }

    synchronized long droppedBytes() {
        return droppedBytes;
    }

    private List<String> dueMarks() {
        var due = new ArrayList<String>();
        while (!marks.isEmpty() && marks.peek().position() <= played) {
            due.add(marks.poll().name());
        }
        return due;
    }
}
