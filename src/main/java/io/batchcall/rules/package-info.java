/**
 * Campaign rules backed by libraries: the {@link io.batchcall.domain.CallingWindows} the claim asks (zones from
 * libphonenumber's time-zone map through our override table, public holidays from jollyday, stored windows compiled
 * once). Depends on {@code domain}, {@code wire} (the stored JSON's shape) and those libraries; wired in {@code App}.
 */
package io.batchcall.rules;
