package io.batchcall.telephony.media;

/**
 * The two G.711 codecs (ITU-T G.711, 8 kHz, one byte per sample), with their static RTP payload types. Both are
 * table lookups built once: decoding is a 256-entry table, encoding a 65,536-entry one (64 KiB each), which is
 * cheaper per sample than the segment search of the reference code the tables are built from.
 */
public enum AudioCodec {
    PCMU(0, "PCMU"),
    PCMA(8, "PCMA");

    public static final int SAMPLE_RATE = 8_000;
    /** Samples (and bytes) in one 20 ms packet. */
    public static final int SAMPLES_PER_PACKET = 160;

    /** A-law's segment ends; declared before the tables because filling them reads it. */
    private static final int[] ALAW_SEGMENT_ENDS = {0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF};

    private static final short[] ULAW_TO_LINEAR = new short[256];
    private static final short[] ALAW_TO_LINEAR = new short[256];
    private static final byte[] LINEAR_TO_ULAW = new byte[65_536];
    private static final byte[] LINEAR_TO_ALAW = new byte[65_536];

    static {
        for (int code = 0; code < 256; code++) {
            ULAW_TO_LINEAR[code] = (short) ulawToLinear(code);
            ALAW_TO_LINEAR[code] = (short) alawToLinear(code);
        }
        for (int sample = Short.MIN_VALUE; sample <= Short.MAX_VALUE; sample++) {
            LINEAR_TO_ULAW[sample & 0xFFFF] = (byte) linearToUlaw(sample);
            LINEAR_TO_ALAW[sample & 0xFFFF] = (byte) linearToAlaw(sample);
        }
    }

    private final int payloadType;
    private final String encodingName;

    AudioCodec(int payloadType, String encodingName) {
        this.payloadType = payloadType;
        this.encodingName = encodingName;
    }

    public int payloadType() {
        return payloadType;
    }

    /** The name in SDP's {@code a=rtpmap} ({@code PCMU/8000}). */
    public String encodingName() {
        return encodingName;
    }

    public short decode(byte code) {
        return this == PCMU ? ULAW_TO_LINEAR[code & 0xFF] : ALAW_TO_LINEAR[code & 0xFF];
    }

    public byte encode(short sample) {
        return this == PCMU ? LINEAR_TO_ULAW[sample & 0xFFFF] : LINEAR_TO_ALAW[sample & 0xFFFF];
    }

    public short[] decode(byte[] codes) {
        var samples = new short[codes.length];
        for (int i = 0; i < codes.length; i++) {
            samples[i] = decode(codes[i]);
        }
        return samples;
    }

    public byte[] encode(short[] samples) {
        var codes = new byte[samples.length];
        for (int i = 0; i < samples.length; i++) {
            codes[i] = encode(samples[i]);
        }
        return codes;
    }

    /** Re-encodes this codec's bytes in another (identity when it is the same one). */
    public byte[] transcode(byte[] codes, AudioCodec to) {
        if (to == this) {
            return codes;
        }
        var out = new byte[codes.length];
        for (int i = 0; i < codes.length; i++) {
            out[i] = to.encode(decode(codes[i]));
        }
        return out;
    }

    /** The code of silence (a zero sample). */
    public byte silence() {
        return encode((short) 0);
    }

    public static java.util.Optional<AudioCodec> ofPayloadType(int payloadType) {
        for (var codec : values()) {
            if (codec.payloadType == payloadType) {
                return java.util.Optional.of(codec);
            }
        }
        return java.util.Optional.empty();
    }

    public static java.util.Optional<AudioCodec> ofEncodingName(String name) {
        for (var codec : values()) {
            if (codec.encodingName.equalsIgnoreCase(name)) {
                return java.util.Optional.of(codec);
            }
        }
        return java.util.Optional.empty();
    }

    // The reference algorithms (after Sun's public-domain g711.c), used only to fill the tables.

    private static final int ULAW_BIAS = 0x84;
    private static final int ULAW_CLIP = 32_635;

    private static int linearToUlaw(int sample) {
        int sign = (sample >> 8) & 0x80;
        int magnitude = sign != 0 ? -sample : sample;
        magnitude = Math.min(magnitude, ULAW_CLIP) + ULAW_BIAS;
        int exponent = 7;
        for (int mask = 0x4000; (magnitude & mask) == 0 && exponent > 0; mask >>= 1) {
            exponent--;
        }
        int mantissa = (magnitude >> (exponent + 3)) & 0x0F;
        return ~(sign | (exponent << 4) | mantissa) & 0xFF;
    }

    private static int ulawToLinear(int code) {
        int u = ~code & 0xFF;
        int exponent = (u >> 4) & 0x07;
        int magnitude = ((((u & 0x0F) << 3) + ULAW_BIAS) << exponent) - ULAW_BIAS;
        return (u & 0x80) != 0 ? -magnitude : magnitude;
    }

    private static int linearToAlaw(int sample) {
        int pcm = sample >> 3;
        int mask;
        if (pcm >= 0) {
            mask = 0xD5;
        } else {
            mask = 0x55;
            pcm = -pcm - 1;
        }
        int segment = 0;
        while (segment < 8 && pcm > ALAW_SEGMENT_ENDS[segment]) {
            segment++;
        }
        if (segment >= 8) {
            return 0x7F ^ mask;
        }
        int code = segment << 4;
        code |= segment < 2 ? (pcm >> 1) & 0x0F : (pcm >> segment) & 0x0F;
        return code ^ mask;
    }

    private static int alawToLinear(int code) {
        int a = code ^ 0x55;
        int magnitude = (a & 0x0F) << 4;
        int segment = (a & 0x70) >> 4;
        switch (segment) {
            case 0 -> magnitude += 8;
            case 1 -> magnitude += 0x108;
            default -> magnitude = (magnitude + 0x108) << (segment - 1);
        }
        return (a & 0x80) != 0 ? magnitude : -magnitude;
    }
}
