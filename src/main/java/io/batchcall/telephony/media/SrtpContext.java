package io.batchcall.telephony.media;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * SRTP (RFC 3711) for one direction of one stream, suite AES_CM_128_HMAC_SHA1_80: session keys derived from the
 * master key and salt with key derivation rate 0 (§4.3), payload encrypted with AES in counter mode (§4.1.1, the
 * JDK's AES/CTR, whose 128-bit big-endian counter is the RFC's IV + block number), and an 80-bit HMAC-SHA1 tag over
 * the header, the encrypted payload and the rollover counter (§4.2). The receiving side estimates the rollover
 * counter (Appendix A) and refuses replays with a 64-packet window (§3.3.2). RTCP is not protected here: the bridge
 * sends none. Not thread-safe: one sending thread or one receiving thread owns each context.
 */
public final class SrtpContext {
    public static final int TAG_BYTES = 10;
    private static final int REPLAY_WINDOW = 64;
    private static final int LABEL_CIPHER_KEY = 0;
    private static final int LABEL_AUTH_KEY = 1;
    private static final int LABEL_SALT = 2;

    /** The session keys derived from one master key and salt. */
    record SessionKeys(byte[] cipherKey, byte[] authKey, byte[] salt) {}

    private final SecretKeySpec cipherKey;
    private final byte[] salt;
    private final Cipher cipher;
    private final Mac mac;

    // Sender: the rollover counter and the last sequence number sent.
    private long sendRollover;
    private int lastSentSequence = -1;

    // Receiver: the highest index authenticated so far and the replay bitmap below it (bit i = highest - i).
    private long highestIndex = -1;
    private long replayBits;

    public SrtpContext(SrtpKeys keys) {
        var session = deriveSessionKeys(keys);
        this.cipherKey = new SecretKeySpec(session.cipherKey(), "AES");
        this.salt = session.salt();
        try {
            this.cipher = Cipher.getInstance("AES/CTR/NoPadding");
            this.mac = Mac.getInstance("HmacSHA1");
            this.mac.init(new SecretKeySpec(session.authKey(), "HmacSHA1"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK always has AES/CTR and HmacSHA1", e);
        }
    }

    /** The SRTP packet of this RTP packet. */
    public byte[] protect(RtpPacket packet) {
        int sequence = packet.sequence();
        if (lastSentSequence >= 0 && sequence < lastSentSequence && lastSentSequence - sequence > 0x8000) {
            sendRollover++;
        }
        lastSentSequence = sequence;
        long index = (sendRollover << 16) | sequence;
        var plain = packet.toBytes();
        var out = Arrays.copyOf(plain, plain.length + TAG_BYTES);
        crypt(out, RtpPacket.HEADER_BYTES, plain.length - RtpPacket.HEADER_BYTES, packet.ssrc(), index);
        var tag = tag(out, plain.length, sendRollover);
        System.arraycopy(tag, 0, out, plain.length, TAG_BYTES);
        return out;
    }

    /**
     * The RTP packet inside these SRTP bytes, or empty when the tag does not match (tampered, or not our peer's
     * key) or the packet was already received (a replay).
     */
    public Optional<RtpPacket> unprotect(byte[] data, int length) {
        if (length < RtpPacket.HEADER_BYTES + TAG_BYTES || (data[0] & 0xC0) != 0x80) {
            return Optional.empty();
        }
        int authenticated = length - TAG_BYTES;
        int sequence = ((data[2] & 0xFF) << 8) | (data[3] & 0xFF);
        long ssrc = ByteBuffer.wrap(data, 8, 4).getInt() & 0xFFFF_FFFFL;
        long index = estimateIndex(sequence);
        if (index < 0 || isReplay(index)) {
            return Optional.empty();
        }
        var expected = tag(data, authenticated, index >>> 16);
        if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(data, authenticated, length))) {
            return Optional.empty();
        }
        var plain = Arrays.copyOf(data, authenticated);
        int payloadOffset = payloadOffset(plain);
        if (payloadOffset > authenticated) {
            return Optional.empty();
        }
        crypt(plain, payloadOffset, authenticated - payloadOffset, ssrc, index);
        accept(index);
        return RtpPacket.parse(plain, authenticated);
    }

    /** RFC 3711 Appendix A: the index of this sequence number, guessing the rollover counter from the highest. */
    private long estimateIndex(int sequence) {
        if (highestIndex < 0) {
            return sequence;
        }
        long rollover = highestIndex >>> 16;
        int highestSequence = (int) (highestIndex & 0xFFFF);
        long guess;
        if (highestSequence < 0x8000) {
            if (sequence - highestSequence > 0x8000) {
                if (rollover == 0) {
                    return -1; // from before the first packet we took: too old to place
                }
                guess = rollover - 1;
            } else {
                guess = rollover;
            }
        } else {
            guess = highestSequence - 0x8000 > sequence ? rollover + 1 : rollover;
        }
        return (guess << 16) | sequence;
    }

    private boolean isReplay(long index) {
        if (highestIndex < 0 || index > highestIndex) {
            return false;
        }
        long behind = highestIndex - index;
        return behind >= REPLAY_WINDOW || (replayBits & (1L << behind)) != 0;
    }

    private void accept(long index) {
        if (highestIndex < 0) {
            highestIndex = index;
            replayBits = 1;
        } else if (index > highestIndex) {
            long ahead = index - highestIndex;
            replayBits = ahead >= REPLAY_WINDOW ? 1 : (replayBits << ahead) | 1;
            highestIndex = index;
        } else {
            replayBits |= 1L << (highestIndex - index);
        }
    }

    private static int payloadOffset(byte[] rtp) {
        int offset = RtpPacket.HEADER_BYTES + 4 * (rtp[0] & 0x0F);
        if ((rtp[0] & 0x10) != 0 && rtp.length >= offset + 4) {
            offset += 4 + 4 * (((rtp[offset + 2] & 0xFF) << 8) | (rtp[offset + 3] & 0xFF));
        }
        return offset;
    }

    /** §4.1.1: IV = (salt * 2^16) XOR (SSRC * 2^64) XOR (index * 2^16); encryption and decryption are the same. */
    private void crypt(byte[] data, int offset, int length, long ssrc, long index) {
        var iv = new byte[16];
        System.arraycopy(salt, 0, iv, 0, SrtpKeys.SALT_BYTES);
        for (int i = 0; i < 4; i++) {
            iv[4 + i] ^= (byte) (ssrc >>> (24 - 8 * i));
        }
        for (int i = 0; i < 6; i++) {
            iv[8 + i] ^= (byte) (index >>> (40 - 8 * i));
        }
        try {
            cipher.init(Cipher.ENCRYPT_MODE, cipherKey, new IvParameterSpec(iv));
            cipher.doFinal(data, offset, length, data, offset);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/CTR with a 16-byte key and IV cannot fail", e);
        }
    }

    private byte[] tag(byte[] data, int length, long rollover) {
        mac.update(data, 0, length);
        mac.update(ByteBuffer.allocate(4).putInt((int) rollover).array());
        return Arrays.copyOf(mac.doFinal(), TAG_BYTES);
    }

    /** §4.3.1 with key derivation rate 0: each session key is AES-CM keystream under the master key. */
    static SessionKeys deriveSessionKeys(SrtpKeys keys) {
        return new SessionKeys(
                derive(keys, LABEL_CIPHER_KEY, SrtpKeys.KEY_BYTES),
                derive(keys, LABEL_AUTH_KEY, 20),
                derive(keys, LABEL_SALT, SrtpKeys.SALT_BYTES));
    }

    private static byte[] derive(SrtpKeys keys, int label, int length) {
        // key_id = label || r (48 bits, 0 at rate 0), XORed into the salt's low 56 bits; the IV is that times 2^16.
        var iv = new byte[16];
        System.arraycopy(keys.masterSalt(), 0, iv, 0, SrtpKeys.SALT_BYTES);
        iv[7] ^= (byte) label;
        return keystream(keys.masterKey(), iv, length);
    }

    /** AES-CM keystream (§4.1.1): AES(key, IV + i) for i = 0, 1, ..., as many bytes as asked. */
    static byte[] keystream(byte[] key, byte[] iv, int length) {
        try {
            var aes = Cipher.getInstance("AES/CTR/NoPadding");
            aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv));
            return aes.doFinal(new byte[length]);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/CTR with a 16-byte key and IV cannot fail", e);
        }
    }
}
