package io.batchcall.telephony.media;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One call's audio between a caller (RTP or SRTP on a UDP socket of ours) and an agent (a Twilio Media Streams
 * WebSocket). Its life: {@link #open} takes a socket and, for SRTP, makes our keys; {@link #offer} is the SDP to
 * send; {@link #start} takes the answer and the agent's stream and runs two virtual threads, one receiving the
 * caller's packets (SRTP check, jitter buffer, DTMF, then μ-law to the agent) and one sending the agent's audio to
 * the caller every 20 ms (silence when the agent is quiet, since some peers hang up on a silent line); it ends
 * once, by {@link #stop} (the call hung up), the agent closing its socket, or the caller going silent, and tells
 * {@code onEnd} which.
 */
public final class MediaBridge implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MediaBridge.class);
    private static final Duration PACKET_INTERVAL = Duration.ofMillis(20);
    /** A pause longer than this (a GC, a suspended VM) restarts the pacing instead of sending a burst. */
    private static final Duration PACING_RESET = Duration.ofMillis(200);
    /** Ten minutes of μ-law: far more than any reply an agent sends ahead, small enough to bound memory. */
    private static final int PLAYOUT_CAPACITY_BYTES = 8_000 * 600;

    private static final int MAX_DATAGRAM_BYTES = 1_500;
    /** RFC 4733 key press: 100 ms of tone (5 packets), the end packet sent 3 times, then 40 ms of gap. */
    private static final int DIGIT_PACKETS = 5;

    private static final int DIGIT_END_REPEATS = 3;
    private static final int DIGIT_GAP_PACKETS = 2;

    /** Why a bridge ended. */
    public enum End {
        /** {@link #stop}: the call was hung up on the telephony side. */
        STOPPED,
        /** The agent closed its WebSocket (an agent hangs up this way). */
        AGENT_CLOSED,
        /** The agent's WebSocket could not be opened. */
        AGENT_UNREACHABLE,
        /** No valid packet from the caller for the configured silence timeout. */
        CALLER_SILENT
    }

    /** Where the agent listens and what its {@code start} message carries. */
    public record AgentTarget(URI mediaStreamUrl, String callSid, Map<String, String> customParameters) {}

    private final DatagramSocket socket;
    private final Optional<SrtpKeys> ourKeys;
    private final int jitterDepth;
    private final Duration callerSilenceTimeout;
    private final long ssrc;
    private final int initialSequence;
    private final long initialTimestamp;
    private final Playout playout = new Playout(PLAYOUT_CAPACITY_BYTES);
    private final ConcurrentLinkedQueue<Character> digitsToSend = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean ended = new AtomicBoolean();
    private final AtomicLong packetsIn = new AtomicLong();
    private final AtomicLong packetsOut = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong digitsIn = new AtomicLong();
    private final AtomicLong digitsOut = new AtomicLong();
    private final JitterBuffer jitter;

    private volatile SdpAnswer answer;
    private volatile SocketAddress sendTo;
    private volatile AgentStream agent;
    private volatile Consumer<End> onEnd;
    private Thread receiver;
    private Thread sender;
    private final MediaPorts ports;

    private MediaBridge(DatagramSocket socket, Optional<SrtpKeys> ourKeys, MediaPorts ports, SecureRandom random) {
        this.socket = socket;
        this.ports = ports;
        this.ourKeys = ourKeys;
        this.jitterDepth = ports.config().jitterDepth();
        this.callerSilenceTimeout = ports.config().callerSilenceTimeout();
        this.jitter = new JitterBuffer(jitterDepth);
        // Random SSRC, sequence and timestamp, as RFC 3550 §5.1 asks, so that packets of two calls never mix.
        this.ssrc = random.nextInt() & 0xFFFF_FFFFL;
        this.initialSequence = random.nextInt(0x10000);
        this.initialTimestamp = random.nextInt() & 0xFFFF_FFFFL;
    }

    /** Takes a socket from {@code ports}; with {@code srtp}, makes this call's SDES keys. */
    public static MediaBridge open(MediaPorts ports, boolean srtp, SecureRandom random) {
        var keys = srtp ? Optional.of(SrtpKeys.generate(random)) : Optional.<SrtpKeys>empty();
        return new MediaBridge(ports.open(), keys, ports, random);
    }

    /** Where the caller's packets must go. */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    /** Our SDP offer; {@code sessionId} is the o= line's id and version. */
    public SdpOffer offer(long sessionId) {
        return new SdpOffer(localAddress(), sessionId, ourKeys);
    }

    /**
     * Starts relaying once the answer is in: opens the agent's stream and starts both directions.
     *
     * @throws SdpException when the answer cannot be used with our offer (then nothing was started)
     */
    public void start(String answerSdp, AgentTarget target, Consumer<End> onEnd) {
        var parsed = SdpAnswer.parse(answerSdp, ourKeys.isPresent());
        if (ended.get() || !started.compareAndSet(false, true)) {
            throw new IllegalStateException("the bridge has already started or ended");
        }
        this.answer = parsed;
        this.sendTo = parsed.remote();
        this.onEnd = onEnd;
        this.agent = AgentStream.open(
                target.mediaStreamUrl(), target.callSid(), target.customParameters(), new AgentEvents());
        var inbound = parsed.keys().map(SrtpContext::new);
        var outbound = ourKeys.map(SrtpContext::new);
        receiver = Thread.ofVirtual().name("media-in-" + target.callSid()).start(() -> receive(inbound));
        sender = Thread.ofVirtual().name("media-out-" + target.callSid()).start(() -> send(outbound));
        log.debug(
                "Media bridge started callSid={} local={} codec={} srtp={}",
                target.callSid(),
                localAddress(),
                parsed.codec(),
                ourKeys.isPresent());
    }

    /**
     * Queues DTMF digits (0-9, *, #, A-D) to send to the caller as RFC 4733 events.
     *
     * @throws IllegalArgumentException for another character
     * @throws IllegalStateException before {@link #start}, or when the answer took no telephone-event
     */
    public void sendDigits(String digits) {
        for (char digit : digits.toCharArray()) {
            if (!TelephoneEvent.isDigit(digit)) {
                throw new IllegalArgumentException("not a DTMF digit: " + digit);
            }
        }
        var current = answer;
        if (current == null) {
            throw new IllegalStateException("the bridge has not started");
        }
        if (current.telephoneEventType().isEmpty()) {
            throw new IllegalStateException("the other side did not accept telephone-event");
        }
        for (char digit : digits.toCharArray()) {
            digitsToSend.add(digit);
        }
    }

    public MediaCounters counters() {
        var stream = agent;
        return new MediaCounters(
                packetsIn.get(),
                packetsOut.get(),
                jitter.late(),
                jitter.lost(),
                rejected.get(),
                digitsIn.get(),
                digitsOut.get(),
                playout.droppedBytes(),
                stream == null ? 0 : stream.droppedMedia());
    }

    /** The call was hung up: stops both directions and closes the agent's stream. */
    public void stop() {
        end(End.STOPPED);
    }

    @Override
    public void close() {
        stop();
    }

    public boolean isEnded() {
        return ended.get();
    }

    private void end(End reason) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        socket.close();
        ports.released();
        var stream = agent;
        if (stream != null) {
            stream.stop();
        }
        var callback = onEnd;
        log.debug(
                "Media bridge ended local={} reason={} counters={}",
                socket.getLocalSocketAddress(),
                reason,
                counters());
        if (callback != null) {
            callback.accept(reason);
        }
    }

    private void receive(Optional<SrtpContext> srtp) {
        var buffer = new byte[MAX_DATAGRAM_BYTES];
        var datagram = new DatagramPacket(buffer, buffer.length);
        long lastValid = System.nanoTime();
        boolean latched = false;
        Long firstTimestamp = null;
        long lastEventTimestamp = -1;
        try {
            socket.setSoTimeout((int) Math.min(callerSilenceTimeout.toMillis(), 1_000));
        } catch (IOException e) {
            throw new IllegalStateException("a bound UDP socket takes a timeout", e);
        }
        while (!ended.get()) {
            try {
                datagram.setLength(buffer.length);
                socket.receive(datagram);
            } catch (SocketTimeoutException e) {
                if (System.nanoTime() - lastValid > callerSilenceTimeout.toNanos()) {
                    end(End.CALLER_SILENT);
                }
                continue;
            } catch (IOException e) {
                if (!ended.get()) {
                    log.warn("Media socket failed local={} error={}", localAddress(), e.toString());
                    end(End.CALLER_SILENT);
                }
                return;
            }
            var packet = srtp.isPresent()
                    ? srtp.get().unprotect(buffer, datagram.getLength())
                    : RtpPacket.parse(buffer, datagram.getLength());
            var current = answer;
            if (packet.isEmpty() || !isExpected(packet.get().payloadType(), current)) {
                rejected.incrementAndGet();
                continue;
            }
            lastValid = System.nanoTime();
            packetsIn.incrementAndGet();
            if (!latched) {
                // Symmetric RTP: answer to where the caller's packets come from (it may sit behind a NAT).
                latched = true;
                sendTo = datagram.getSocketAddress();
            }
            for (var ready : jitter.offer(packet.get())) {
                if (current.telephoneEventType().orElse(-1) == ready.payloadType()) {
                    var event = TelephoneEvent.parse(ready.payload());
                    // One key press is many packets with one timestamp: report it once, at its first packet.
                    if (event.isPresent() && ready.timestamp() != lastEventTimestamp) {
                        lastEventTimestamp = ready.timestamp();
                        event.get().digit().ifPresent(digit -> {
                            digitsIn.incrementAndGet();
                            agent.sendDigit(digit);
                        });
                    }
                    continue;
                }
                if (firstTimestamp == null) {
                    firstTimestamp = ready.timestamp();
                }
                long elapsedSamples = (ready.timestamp() - firstTimestamp) & 0xFFFF_FFFFL;
                var ulaw = current.codec().transcode(ready.payload(), AudioCodec.PCMU);
                agent.sendMedia(ulaw, elapsedSamples / (AudioCodec.SAMPLE_RATE / 1000));
            }
        }
    }

    private static boolean isExpected(int payloadType, SdpAnswer answer) {
        return payloadType == answer.codec().payloadType()
                || answer.telephoneEventType().orElse(-1) == payloadType;
    }

    private void send(Optional<SrtpContext> srtp) {
        var codec = answer.codec();
        int sequence = initialSequence;
        long timestamp = initialTimestamp;
        boolean first = true;
        long interval = PACKET_INTERVAL.toNanos();
        long next = System.nanoTime();
        Character digit = null;
        int digitStep = 0;
        long digitTimestamp = 0;
        while (!ended.get()) {
            RtpPacket packet;
            if (digit == null && (digit = digitsToSend.poll()) != null) {
                digitStep = 0;
                digitTimestamp = timestamp;
            }
            if (digit != null) {
                int eventType = answer.telephoneEventType().orElseThrow();
                int step = digitStep++;
                var end = step >= DIGIT_PACKETS - 1;
                int duration = Math.min(step + 1, DIGIT_PACKETS) * AudioCodec.SAMPLES_PER_PACKET;
                if (step < DIGIT_PACKETS + DIGIT_END_REPEATS - 1) {
                    var event = TelephoneEvent.of(digit, end, duration);
                    packet = new RtpPacket(step == 0, eventType, sequence, digitTimestamp, ssrc, event.toBytes());
                } else {
                    packet = null; // the gap after a digit: nothing is sent, so digits are heard as separate keys
                    if (step >= DIGIT_PACKETS + DIGIT_END_REPEATS + DIGIT_GAP_PACKETS - 2) {
                        digit = null;
                        digitsOut.incrementAndGet();
                    }
                }
            } else {
                var frame = playout.next(AudioCodec.SAMPLES_PER_PACKET, AudioCodec.PCMU.silence());
                var payload = AudioCodec.PCMU.transcode(frame.ulaw(), codec);
                packet = new RtpPacket(first, codec.payloadType(), sequence, timestamp, ssrc, payload);
                for (var mark : frame.dueMarks()) {
                    agent.sendMark(mark);
                }
            }
            if (packet != null) {
                var bytes = srtp.isPresent() ? srtp.get().protect(packet) : packet.toBytes();
                try {
                    socket.send(new DatagramPacket(bytes, bytes.length, sendTo));
                    packetsOut.incrementAndGet();
                } catch (IOException e) {
                    if (ended.get()) {
                        return;
                    }
                    log.debug("Media packet not sent local={} error={}", localAddress(), e.toString());
                }
                sequence = (sequence + 1) & 0xFFFF;
                first = false;
            }
            timestamp = (timestamp + AudioCodec.SAMPLES_PER_PACKET) & 0xFFFF_FFFFL;
            next += interval;
            long wait = next - System.nanoTime();
            if (wait < -PACING_RESET.toNanos()) {
                next = System.nanoTime();
            } else if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
        }
    }

    /** The agent's messages, applied to the playout queue. */
    private final class AgentEvents implements AgentStream.Listener {
        @Override
        public void onMedia(byte[] ulaw) {
            playout.add(ulaw);
        }

        @Override
        public void onMark(String name) {
            playout.mark(name);
        }

        @Override
        public void onClear() {
            playout.clear();
        }

        @Override
        public void onClosed(boolean opened) {
            end(opened ? End.AGENT_CLOSED : End.AGENT_UNREACHABLE);
        }
    }
}
