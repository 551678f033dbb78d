package io.batchcall.telephony;

/**
 * Asked by a provider right before it sends a dial request it had to hold back (for its account's request slot, or
 * after a 429): whether the call is still to be placed. The dispatcher's dial gate answered yes before the wait; a
 * pause, a cancel or an emergency stop may have come during it, and a provider that cannot cancel a call once sent
 * (Exotel) would otherwise place it anyway.
 */
@FunctionalInterface
public interface DialCheck {
    /** False when the dial is no longer wanted; the provider then sends nothing. */
    boolean stillToDial();

    /** For requests nothing can withdraw (look-ups, tests). */
    DialCheck ALWAYS = () -> true;
}
