package io.batchcall.domain;

import java.time.ZoneId;
import java.util.List;
import java.util.Optional;

/**
 * The time zones a recipient may be in (one, or several for a number whose area spans zones: a window must then be
 * open in all of them; none when nothing is known), where they came from, and the region when known (ISO 3166-1
 * country such as {@code GB}, or 3166-2 subdivision such as {@code US-FL}), which picks legal presets and holidays.
 */
public record RecipientZones(List<ZoneId> zones, Optional<Source> source, Optional<String> region) {
    public RecipientZones {
        zones = List.copyOf(zones);
    }

    public static final RecipientZones UNKNOWN = new RecipientZones(List.of(), Optional.empty(), Optional.empty());

    /**
     * The zone given for a recipient, without looking at its number: its own, else its dynamic variable's, else
     * the batch's; a name that is not a valid zone id is passed over.
     */
    public static RecipientZones given(
            Optional<String> recipientZone,
            Optional<String> region,
            Optional<String> variableZone,
            Optional<String> batchZone) {
        var zone = recipientZone.flatMap(RecipientZones::zone);
        if (zone.isPresent()) {
            return new RecipientZones(List.of(zone.get()), Optional.of(Source.RECIPIENT), region);
        }
        zone = variableZone.flatMap(RecipientZones::zone);
        if (zone.isPresent()) {
            return new RecipientZones(List.of(zone.get()), Optional.of(Source.VARIABLE), region);
        }
        zone = batchZone.flatMap(RecipientZones::zone);
        if (zone.isPresent()) {
            return new RecipientZones(List.of(zone.get()), Optional.of(Source.BATCH), region);
        }
        return new RecipientZones(List.of(), Optional.empty(), region);
    }

    /** A zone id, when the name is a valid one ({@code Etc/Unknown} and the like are not). */
    public static Optional<ZoneId> zone(String name) {
        if (name == null || name.isBlank() || name.startsWith("Etc/Unknown")) {
            return Optional.empty();
        }
        try {
            return Optional.of(ZoneId.of(name.strip()));
        } catch (java.time.DateTimeException e) {
            return Optional.empty();
        }
    }

    /** Where the zones came from, in the order they are tried. */
    public enum Source {
        /** The recipient's {@code timezone} field or CSV column. */
        RECIPIENT("recipient"),
        /** The recipient's {@code timezone} dynamic variable. */
        VARIABLE("variable"),
        /** Inferred from the phone number. */
        NUMBER("number"),
        /** The batch's {@code timezone}. */
        BATCH("batch");

        private final String wireName;

        Source(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }
    }
}
