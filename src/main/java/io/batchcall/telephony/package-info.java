/**
 * The provider SPI that every telephony provider implements, and one sub-package per provider.
 * May depend on {@code domain} and {@code config}.
 */
package io.batchcall.telephony;
