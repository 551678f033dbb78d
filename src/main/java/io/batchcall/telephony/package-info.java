/**
 * The provider SPI that every telephony provider implements, the ports providers are given (callback URLs, the
 * event sink, {@link io.batchcall.telephony.OwnedCalls}), and one sub-package per provider.
 * May depend on {@code domain} and {@code config}.
 */
package io.batchcall.telephony;
