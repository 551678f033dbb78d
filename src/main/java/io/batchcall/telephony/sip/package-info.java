/**
 * The sip_trunk provider: batchcall as a SIP user agent (JAIN-SIP RI behind our own classes) that dials
 * recipients through a trunk and bridges answered calls to the agent's SIP URI by signalling only.
 * May depend on {@code domain}, {@code config} and the provider SPI.
 */
package io.batchcall.telephony.sip;
