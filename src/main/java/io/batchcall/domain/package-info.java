/**
 * The vocabulary of batchcall (workspaces, API keys, batches, recipients, attempts, outcomes) as plain Java
 * values with their rules. No I/O; depends on the JDK only.
 */
package io.batchcall.domain;
