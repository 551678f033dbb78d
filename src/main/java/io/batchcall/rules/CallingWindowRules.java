package io.batchcall.rules;

import io.batchcall.domain.CallingWindows;
import io.batchcall.domain.DialVerdict;
import io.batchcall.domain.HolidayCalendar;
import io.batchcall.domain.RecipientZones;
import io.batchcall.domain.WindowRules;
import io.batchcall.wire.CallingWindowJson;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The calling windows the claim asks: a recipient's zones (its own, its {@code timezone} variable, its number, the
 * batch's), and the verdict of a batch's stored window, compiled once per distinct JSON text and kept with its
 * caches. Construct one per process ({@code new CallingWindowRules(new JollydayHolidays())}) and hand it to the
 * claim in place of {@link CallingWindows#NONE}.
 */
public final class CallingWindowRules implements CallingWindows {
    /** Compiled windows kept before the cache starts again (one per batch and defaults in use). */
    private static final int MAX_COMPILED = 1_000;

    private final HolidayCalendar holidays;
    private final NumberZones numbers;
    private final Map<String, WindowRules> compiled = new ConcurrentHashMap<>();

    public CallingWindowRules(HolidayCalendar holidays) {
        this(holidays, new NumberZones());
    }

    CallingWindowRules(HolidayCalendar holidays, NumberZones numbers) {
        this.holidays = holidays;
        this.numbers = numbers;
    }

    @Override
    public RecipientZones zones(
            Optional<String> phoneNumber,
            Optional<String> recipientZone,
            Optional<String> region,
            Optional<String> variableZone,
            Optional<String> batchZone) {
        var fromNumber = phoneNumber.map(numbers::lookup);
        // The given region wins; else the number's (country, and the state for US area codes) picks presets.
        var effectiveRegion = region.filter(r -> !r.isBlank()).or(() -> fromNumber.flatMap(NumberZones.Lookup::region));
        var given = RecipientZones.given(recipientZone, effectiveRegion, variableZone, Optional.empty());
        if (!given.zones().isEmpty()) {
            return given;
        }
        if (fromNumber.isPresent() && !fromNumber.get().zones().isEmpty()) {
            return new RecipientZones(
                    fromNumber.get().zones(), Optional.of(RecipientZones.Source.NUMBER), effectiveRegion);
        }
        var batch = RecipientZones.given(Optional.empty(), effectiveRegion, Optional.empty(), batchZone);
        return batch.zones().isEmpty() ? new RecipientZones(List.of(), Optional.empty(), effectiveRegion) : batch;
    }

    @Override
    public DialVerdict check(Optional<String> callingWindow, RecipientZones zones, Instant now) {
        if (callingWindow.isEmpty()) {
            return CallingWindows.NONE.check(callingWindow, zones, now);
        }
        var json = callingWindow.get();
        var rules = compiled.get(json);
        if (rules == null) {
            if (compiled.size() > MAX_COMPILED) {
                compiled.clear();
            }
            rules = compiled.computeIfAbsent(json, text -> new WindowRules(CallingWindowJson.read(text), holidays));
        }
        var verdict = rules.check(zones, now);
        if (verdict instanceof DialVerdict.Allowed allowed && allowed.zone().isEmpty()) {
            return new DialVerdict.Allowed(
                    zones.zones().stream().findFirst(),
                    zones.zones().stream().findFirst().map(zone -> LocalDateTime.ofInstant(now, zone)),
                    allowed.policy());
        }
        return verdict;
    }
}
