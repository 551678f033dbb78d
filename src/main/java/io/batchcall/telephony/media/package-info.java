/**
 * The media bridge: batchcall terminates a call's audio itself (RTP or SRTP with SDES keys, G.711, RFC 4733
 * DTMF, SDP offer/answer) and relays it to an agent's {@code media_stream_url} in Twilio's Media Streams format.
 * Self-contained: it knows neither SIP nor any provider; the providers that need it hand it an SDP answer and a
 * stream URL. May depend on {@code config}.
 */
package io.batchcall.telephony.media;
