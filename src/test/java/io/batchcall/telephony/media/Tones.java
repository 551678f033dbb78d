package io.batchcall.telephony.media;

/** Test audio: sine tones at 8 kHz, and which of some candidate frequencies a signal carries most (Goertzel). */
final class Tones {
    private Tones() {}

    static short[] sine(int frequency, int samples, int amplitude) {
        var out = new short[samples];
        for (int i = 0; i < samples; i++) {
            out[i] = (short) Math.round(amplitude * Math.sin(2 * Math.PI * frequency * i / AudioCodec.SAMPLE_RATE));
        }
        return out;
    }

    /** The power of one frequency in the signal (the Goertzel algorithm). */
    static double power(short[] samples, int frequency) {
        double coefficient = 2 * Math.cos(2 * Math.PI * frequency / AudioCodec.SAMPLE_RATE);
        double previous = 0;
        double beforePrevious = 0;
        for (short sample : samples) {
            double current = sample + coefficient * previous - beforePrevious;
            beforePrevious = previous;
            previous = current;
        }
        return previous * previous + beforePrevious * beforePrevious - coefficient * previous * beforePrevious;
    }

    static int dominantFrequency(short[] samples, int[] candidates) {
        int best = candidates[0];
        for (int candidate : candidates) {
            if (power(samples, candidate) > power(samples, best)) {
                best = candidate;
            }
        }
        return best;
    }
}
