/**
 * The provider SPI that every telephony provider implements, the ports providers are given (callback URLs, the
 * event sink, {@link io.batchcall.telephony.OwnedCalls}), one sub-package per provider, and {@code media/}, the
 * media bridge that terminates a call's audio for providers that cannot hand it to the agent directly.
 * May depend on {@code domain} and {@code config}.
 */
package io.batchcall.telephony;
