/**
 * Persistence: the database lifecycle (embedded or external PostgreSQL, pool, migrations) and one store per
 * aggregate. SQL lives in text blocks inside the method that binds it. May depend on {@code domain} and
 * {@code config}.
 */
package io.batchcall.store;
