/**
 * The benchmark harness: starts batchcall as a real process, drives its HTTP API through each scenario, runs the
 * two baselines (the floor: plain JDBC doing the same row work; the peer: db-scheduler) on the same PostgreSQL
 * server, and reports every figure next to its baseline, as a ratio, with the targets met or not.
 *
 * <p>{@link io.batchcall.bench.Bench} is the composition root. Scenarios ({@code *Scenario}) and baselines
 * ({@code *Baseline}) each own one measurement; {@link io.batchcall.bench.Report} prints the table and writes the
 * JSON. Depends on the JDK, the PostgreSQL driver, HikariCP, Jackson and db-scheduler; never on the server's code:
 * batchcall is measured from outside, as a user runs it.
 */
package io.batchcall.bench;
