package io.batchcall.dispatch;

import io.batchcall.domain.CallingWindows;
import io.batchcall.domain.DialVerdict;
import io.batchcall.domain.HoldReason;
import io.batchcall.domain.RecipientZones;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.Optional;

/**
 * Calling windows for tests: closed in one zone until an instant, open everywhere else; they apply only to a batch
 * that has a window. Zones are resolved as without rules (the recipient's own, the batch's).
 */
record ClosedIn(ZoneId closed, Instant opens) implements CallingWindows {
    @Override
    public RecipientZones zones(
            Optional<String> phoneNumber,
            Optional<String> recipientZone,
            Optional<String> region,
            Optional<String> variableZone,
            Optional<String> batchZone) {
        return CallingWindows.NONE.zones(phoneNumber, recipientZone, region, variableZone, batchZone);
    }

    @Override
    public DialVerdict check(Optional<String> callingWindow, RecipientZones zones, Instant now) {
        if (callingWindow.isPresent() && zones.zones().contains(closed) && now.isBefore(opens)) {
            return new DialVerdict.Held(HoldReason.OUTSIDE_WINDOW, opens);
        }
        var zone = zones.zones().stream().findFirst();
        return new DialVerdict.Allowed(
                zone, zone.map(z -> LocalDateTime.ofInstant(now, z)), "test window mon 09:00-20:00");
    }
}
