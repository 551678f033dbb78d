package io.batchcall.domain;

import java.time.Instant;
import java.util.Optional;

/**
 * The calling-window half of the campaign rules, as the claim asks it: the zones of a recipient, and whether a
 * batch's window is open for them now. Implementations cache what they compile; the claim calls them per
 * recipient.
 */
public interface CallingWindows {
    /**
     * The zones of a recipient: its own {@code timezone} when given, else its {@code timezone} dynamic variable,
     * else what its number says, else the batch's zone; {@link RecipientZones#UNKNOWN} when none applies.
     */
    RecipientZones zones(
            Optional<String> phoneNumber,
            Optional<String> recipientZone,
            Optional<String> region,
            Optional<String> variableZone,
            Optional<String> batchZone);

    /**
     * The verdict of a batch's window ({@code callingWindow}: the batch's stored {@code calling_window} JSON, empty
     * when it has none) for a recipient in {@code zones} at {@code now}.
     */
    DialVerdict check(Optional<String> callingWindow, RecipientZones zones, Instant now);

    /**
     * No windows: every recipient may be called at any time. The zones are still resolved from what was given, for
     * the audit trail, but never from the number.
     */
    CallingWindows NONE = new CallingWindows() {
        @Override
        public RecipientZones zones(
                Optional<String> phoneNumber,
                Optional<String> recipientZone,
                Optional<String> region,
                Optional<String> variableZone,
                Optional<String> batchZone) {
            return RecipientZones.given(recipientZone, region, variableZone, batchZone);
        }

        @Override
        public DialVerdict check(Optional<String> callingWindow, RecipientZones zones, Instant now) {
            return new DialVerdict.Allowed(
                    zones.zones().stream().findFirst(),
                    zones.zones().stream().findFirst().map(zone -> java.time.LocalDateTime.ofInstant(now, zone)),
                    "no calling window");
        }
    };
}
