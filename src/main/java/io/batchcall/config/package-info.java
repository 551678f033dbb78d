/**
 * Configuration: one record per area, parsed from environment variables, every problem reported at once.
 * Depends on the JDK only.
 */
package io.batchcall.config;
