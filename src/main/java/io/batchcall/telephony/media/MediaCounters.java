package io.batchcall.telephony.media;

/**
 * A bridged call's traffic so far. {@code packetsIn} are valid RTP packets from the caller (audio and DTMF),
 * {@code packetsOut} those sent to the caller; {@code late} came after their turn (or twice), {@code lost} never came
 * and were skipped, {@code rejected} were not RTP, failed SRTP authentication, were replays or had a payload type
 * the answer did not choose; {@code droppedAgentBytes} is agent audio beyond the playout queue's bound, and
 * {@code droppedCallerPackets} caller audio not relayed because the agent's socket did not keep up.
 */
public record MediaCounters(
        long packetsIn,
        long packetsOut,
        long late,
        long lost,
        long rejected,
        long digitsIn,
        long digitsOut,
        long droppedAgentBytes,
        long droppedCallerPackets) {}
