package io.batchcall.telephony.media;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Puts a call's incoming packets back in sequence order. It adds no delay while packets arrive in order: a packet
 * that is the next one expected is released at once, with any it unblocks. A packet that arrives early is held
 * until the gap before it fills or more than {@code depth} packets wait, when the gap is given up as lost. A packet
 * older than the last one released is late and dropped (played now it would be noise). Not thread-safe: one
 * receiving thread owns it.
 */
public final class JitterBuffer {
    private final int depth;
    /** Held packets by their sequence number, unwrapped onto a line that does not wrap at 65536. */
    private final TreeMap<Long, RtpPacket> held = new TreeMap<>();

    private long nextExpected = -1;
    // Written by the owning thread only; volatile so that counters can be read from any thread.
    private volatile long late;
    private volatile long lost;

    public JitterBuffer(int depth) {
        if (depth < 1) {
            throw new IllegalArgumentException("depth must be at least 1");
        }
        this.depth = depth;
    }

    /** Takes a packet; returns those now ready to play, in order (often just this one, sometimes none). */
    public List<RtpPacket> offer(RtpPacket packet) {
        var ready = new ArrayList<RtpPacket>(2);
        if (nextExpected < 0) {
            nextExpected = packet.sequence();
        }
        long index = unwrap(packet.sequence());
        if (index < nextExpected || held.containsKey(index)) {
            late++;
            return ready;
        }
        held.put(index, packet);
        release(ready);
        while (held.size() > depth) {
            // The gap before the oldest held packet has waited long enough: skip it.
            long first = held.firstKey();
            lost += first - nextExpected;
            nextExpected = first;
            release(ready);
        }
        return ready;
    }

    /** Everything still held, in order, gaps skipped (at the end of a call). */
    public List<RtpPacket> drain() {
        var ready = new ArrayList<>(held.values());
        if (!held.isEmpty()) {
            nextExpected = held.lastKey() + 1;
        }
        held.clear();
        return ready;
    }

    /** Packets that came after their turn had passed, and duplicates. */
    public long late() {
        return late;
    }

    /** Packets never received whose turn was given up. */
    public long lost() {
        return lost;
    }

    private void release(List<RtpPacket> ready) {
        RtpPacket next;
        while ((next = held.remove(nextExpected)) != null) {
            ready.add(next);
            nextExpected++;
        }
    }

    /** The index nearest the next expected one that has this 16-bit sequence number. */
    private long unwrap(int sequence) {
        long base = nextExpected & ~0xFFFFL;
        long candidate = base | sequence;
        if (candidate - nextExpected > 0x8000) {
            candidate -= 0x10000;
        } else if (nextExpected - candidate > 0x8000) {
            candidate += 0x10000;
        }
        return candidate;
    }
}
