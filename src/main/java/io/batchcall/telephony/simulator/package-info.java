/**
 * The simulator provider: calls that ring, talk and end in memory, by configured odds or exactly as each
 * recipient's {@code sim_*} dynamic variables say. For demos, tests and benchmarks; it dials nobody.
 */
package io.batchcall.telephony.simulator;
