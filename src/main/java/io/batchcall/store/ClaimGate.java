package io.batchcall.store;

import io.batchcall.domain.BatchRef;
import io.batchcall.domain.CallingWindows;
import io.batchcall.domain.DialVerdict;
import io.batchcall.domain.FrequencyCap;
import io.batchcall.domain.HoldReason;
import io.batchcall.domain.RecipientZones;
import io.batchcall.domain.SkipReason;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.ClaimLocks.DueBatch;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;

/**
 * The campaign rules as one claim transaction applies them to the recipients it locked, in this order: do-not-call
 * lists and opt-outs (skip), the batch's window expiry (skip), the calling window in the recipient's zones (hold or
 * skip), then, when the workspace has frequency caps, the caps and one call at a time per number (hold, skip, or
 * pass over). Holds and
 * skips are written here, a chunk at a time; what may be dialed goes back to the claim with its audit trail.
 *
 * <p>Counting is safe without a per-number advisory lock: every attempt is opened by a claim ({@code
 * ClaimStore.recordClaims}; single calls are one-recipient batches claimed the same way), and every claim holds its
 * workspace's row lock from its first statement to its commit. So the attempts read here are all those of the
 * workspace, committed, plus the ones this claim took, which {@link #claimed} adds as it goes.
 */
final class ClaimGate {
    /**
     * The shortest hold written: a rule that answers "not before now" must not bring the recipient back into the same
     * pass, nor into every following one.
     */
    static final Duration MIN_HOLD = Duration.ofSeconds(1);

    /** A due pending recipient the claim locked, with what the rules need. */
    record Candidate(
            String id,
            int position,
            Optional<String> phoneNumber,
            Optional<String> clientData,
            int attemptCount,
            Optional<Instant> nextAttemptAt,
            Optional<String> holdReason,
            Optional<String> timezone,
            Optional<String> region,
            Optional<String> variableZone,
            Optional<String> whatsappUserId) {}

    /** What the attempt records of the dial, for the audit trail. */
    record Audit(Optional<String> toNumber, Optional<String> localTime, Optional<String> timezone, String policy) {}

    /** A candidate the rules let through. */
    record Admitted(Candidate candidate, RecipientZones zones, Audit audit) {}

    private record Hold(Candidate candidate, HoldReason reason, Instant until, RecipientZones zones) {}

    private record Allowed(Candidate candidate, RecipientZones zones, DialVerdict.Allowed verdict) {}

    private final Handle handle;
    private final WorkspaceId workspace;
    private final CallingWindows windows;
    private final List<FrequencyCap> caps;
    private final Instant now;
    /** Per number: the claim instants of its attempts inside the longest cap's window, this claim's included. */
    private final Map<String, List<Instant>> claimed = new HashMap<>();
    /** Numbers with an attempt in flight in the workspace, or dialed by this claim. */
    private final Set<String> busy = new HashSet<>();
    /** Numbers whose attempts were read. */
    private final Set<String> counted = new HashSet<>();

    private final List<Outbox.Event> events = new ArrayList<>();

    ClaimGate(Handle handle, WorkspaceId workspace, CallingWindows windows, List<FrequencyCap> caps, Instant now) {
        this.handle = handle;
        this.workspace = workspace;
        this.windows = windows;
        this.caps = List.copyOf(caps);
        this.now = now;
    }

    /**
     * The frequency caps of a workspace row {@code w}, in their order, as two arrays: the claim reads them in the
     * statement that takes the workspace's lock (see {@link #caps(java.sql.ResultSet)}).
     */
    static final String CAPS_COLUMNS = """
            ARRAY(SELECT (e.c ->> 'max')::integer
                  FROM jsonb_array_elements(w.frequency_caps) WITH ORDINALITY AS e(c, n) ORDER BY e.n) AS cap_max,
            ARRAY(SELECT (e.c ->> 'per_seconds')::bigint
                  FROM jsonb_array_elements(w.frequency_caps) WITH ORDINALITY AS e(c, n) ORDER BY e.n) AS cap_seconds""";

    /** The caps {@link #CAPS_COLUMNS} read. */
    static List<FrequencyCap> caps(java.sql.ResultSet rs) throws java.sql.SQLException {
        var max = (Integer[]) rs.getArray("cap_max").getArray();
        var seconds = (Long[]) rs.getArray("cap_seconds").getArray();
        var caps = new ArrayList<FrequencyCap>(max.length);
        for (int i = 0; i < max.length; i++) {
            caps.add(new FrequencyCap(max[i], Duration.ofSeconds(seconds[i])));
        }
        return caps;
    }

    /** The workspace's frequency caps, as they are now. */
    static List<FrequencyCap> caps(Handle handle, WorkspaceId workspace) {
        return handle.createQuery("SELECT " + CAPS_COLUMNS + " FROM workspaces w WHERE w.id = :workspaceId")
                .bind("workspaceId", workspace.value())
                .map((rs, ctx) -> caps(rs))
                .findOne()
                .orElse(List.of());
    }

    /** The events of the holds and skips written so far, to append with the claim's. */
    List<Outbox.Event> events() {
        return events;
    }

    /**
     * Decides for a chunk of one batch's candidates (in position order) and writes their holds and skips; returns
     * at most {@code room} to dial. Candidates the window and lists let through beyond {@code room} are left as they
     * were, for the next claim.
     */
    List<Admitted> decide(DueBatch batch, List<Candidate> candidates, int room) {
        var ref = new BatchRef(workspace, batch.id());
        var suppressed = Suppressions.suppressed(
                handle,
                workspace,
                Optional.of(batch.agentId()),
                candidates.stream().flatMap(c -> c.phoneNumber().stream()).toList());
        var skips = new ArrayList<RecipientSkips.Skip>();
        var holds = new ArrayList<Hold>();
        var allowed = new ArrayList<Allowed>();
        boolean expired =
                batch.windowExpiresAt().filter(at -> !now.isBefore(at)).isPresent();
        for (var candidate : candidates) {
            var listed = candidate.phoneNumber().map(suppressed::get);
            if (listed.isPresent()) {
                skips.add(new RecipientSkips.Skip(ref, candidate.id(), listed.get()));
                continue;
            }
            if (expired) {
                // The sweep cancels these too; the claim must not dial one in between.
                skips.add(new RecipientSkips.Skip(ref, candidate.id(), SkipReason.WINDOW_EXPIRED));
                continue;
            }
            var zones = windows.zones(
                    candidate.phoneNumber(),
                    candidate.timezone(),
                    candidate.region(),
                    candidate.variableZone(),
                    batch.timezone());
            switch (windows.check(batch.callingWindow(), zones, now)) {
                case DialVerdict.Held held -> holds.add(new Hold(candidate, held.reason(), held.until(), zones));
                case DialVerdict.Skipped skipped ->
                    skips.add(new RecipientSkips.Skip(ref, candidate.id(), skipped.reason()));
                case DialVerdict.Allowed verdict -> allowed.add(new Allowed(candidate, zones, verdict));
            }
        }
        // Without caps the workspace asked for no per-number rule: nothing is read, and a number may be in two
        // calls at once (as before caps existed: a test line called by several batches, say).
        if (!caps.isEmpty()) {
            count(allowed.stream()
                    .flatMap(a -> a.candidate().phoneNumber().stream())
                    .toList());
        }
        var admitted = new ArrayList<Admitted>();
        for (var candidate : allowed) {
            if (admitted.size() >= room) {
                break;
            }
            var number = candidate.candidate().phoneNumber();
            var release = number.flatMap(n -> FrequencyCap.release(caps, claimed.getOrDefault(n, List.of()), now));
            if (release.isPresent()) {
                if (batch.windowExpiresAt().filter(release.get()::isAfter).isPresent()) {
                    skips.add(new RecipientSkips.Skip(
                            ref, candidate.candidate().id(), SkipReason.FREQUENCY_CAP_EXHAUSTED));
                } else {
                    holds.add(new Hold(
                            candidate.candidate(), HoldReason.FREQUENCY_CAP, release.get(), candidate.zones()));
                }
                continue;
            }
            if (number.isPresent() && !caps.isEmpty() && busy.contains(number.get())) {
                // Passed over, not held: it stays due and is dialed by the first claim after that call ends (whose
                // end wakes the dispatcher), without a write or an event for a wait of seconds. The caps come
                // first, so that a number a cap holds says so, with the time it is released.
                continue;
            }
            number.filter(n -> !caps.isEmpty()).ifPresent(n -> {
                busy.add(n);
                claimed.computeIfAbsent(n, k -> new ArrayList<>()).add(now);
            });
            admitted.add(new Admitted(candidate.candidate(), candidate.zones(), audit(candidate)));
        }
        events.addAll(RecipientSkips.skip(handle, skips, now));
        hold(ref, holds);
        return admitted;
    }

    private Audit audit(Allowed allowed) {
        var policy = allowed.verdict().policy();
        if (!caps.isEmpty()) {
            policy += "; frequency caps "
                    + caps.stream()
                            .map(cap -> cap.max() + " per " + cap.per().toSeconds() + " s")
                            .collect(Collectors.joining(", "));
        }
        return new Audit(
                allowed.candidate().phoneNumber(),
                allowed.verdict()
                        .localTime()
                        .map(t -> t.truncatedTo(ChronoUnit.SECONDS).toString()),
                allowed.verdict().zone().map(Object::toString),
                policy);
    }

    /** Reads the attempts of numbers not read yet: those in flight, and those the caps count. */
    private void count(List<String> numbers) {
        var fresh = numbers.stream().filter(counted::add).distinct().toList();
        if (fresh.isEmpty()) {
            return;
        }
        handle.createQuery("""
                        SELECT to_number, claimed_at, phase <> 'ended' AS open FROM attempts
                        WHERE workspace_id = :workspaceId AND to_number = ANY(:numbers)
                          AND (claimed_at > :since OR phase <> 'ended')
                        UNION ALL
                        -- The dials of deleted batches count as well (DeletedDials).
                        SELECT n.number, d.claimed_at, false
                        FROM unnest(CAST(:numbers AS text[])) AS n(number)
                        JOIN workspaces w ON w.id = :workspaceId
                        JOIN deleted_dials d ON d.workspace_id = w.id AND d.claimed_at > :since
                                            AND d.number_hash =\s""" + DeletedDials.numberHash("n.number") + """
                        """)
                .bind("workspaceId", workspace.value())
                .bindArray("numbers", String.class, fresh)
                .bind("since", Rows.at(now.minus(FrequencyCap.longest(caps))))
                .map((rs, ctx) -> {
                    var number = rs.getString("to_number");
                    if (rs.getBoolean("open")) {
                        busy.add(number);
                    }
                    claimed.computeIfAbsent(number, k -> new ArrayList<>()).add(Rows.instant(rs, "claimed_at"));
                    return number;
                })
                .list();
    }

    /**
     * Writes the holds in one statement, with the zones they were judged in; a {@code recipient.held} event for each
     * whose reason or time changed.
     */
    private void hold(BatchRef batch, List<Hold> holds) {
        if (holds.isEmpty()) {
            return;
        }
        var floor = now.plus(MIN_HOLD);
        var until = holds.stream()
                .map(h -> (h.until().isBefore(floor) ? floor : h.until()).truncatedTo(ChronoUnit.MICROS))
                .toList();
        handle.createUpdate("""
                        UPDATE recipients r
                        SET hold_reason = h.reason, next_attempt_at = h.until,
                            resolved_timezones = string_to_array(h.zones, ' '), timezone_source = h.source,
                            updated_at = :now
                        FROM unnest(:ids, :reasons, :untils, :zones, :sources) AS h(id, reason, until, zones, source)
                        WHERE r.workspace_id = :workspaceId AND r.batch_id = :batchId AND r.id = h.id
                          AND r.pending""")
                .bind("workspaceId", workspace.value())
                .bind("batchId", batch.batchId())
                .bind("now", Rows.at(now))
                .bindArray(
                        "ids",
                        String.class,
                        holds.stream().map(h -> h.candidate().id()).toList())
                .bindArray(
                        "reasons",
                        String.class,
                        holds.stream().map(h -> h.reason().wireName()).toList())
                .bindArray(
                        "untils",
                        java.time.OffsetDateTime.class,
                        until.stream().map(Rows::at).toList())
                .bindArray(
                        "zones",
                        String.class,
                        holds.stream().map(h -> zoneList(h.zones())).toList())
                .bindArray(
                        "sources",
                        String.class,
                        holds.stream().map(h -> source(h.zones())).toList())
                .execute();
        var moves = new ArrayList<LifecycleEvents.RecipientMove>();
        for (int i = 0; i < holds.size(); i++) {
            var candidate = holds.get(i).candidate();
            boolean changed = !candidate
                            .holdReason()
                            .equals(Optional.of(holds.get(i).reason().wireName()))
                    || !candidate.nextAttemptAt().equals(Optional.of(until.get(i)));
            if (changed) {
                moves.add(new LifecycleEvents.RecipientMove(batch, candidate.id(), "pending", Optional.empty()));
            }
        }
        events.addAll(LifecycleEvents.recipientEvents(handle, moves, Optional.of("recipient.held")));
    }

    /** The zones as the text {@code string_to_array(.., ' ')} turns into resolved_timezones; null for none. */
    static String zoneList(RecipientZones zones) {
        return zones.zones().isEmpty()
                ? null
                : zones.zones().stream().map(Object::toString).collect(Collectors.joining(" "));
    }

    static String source(RecipientZones zones) {
        return zones.source().map(RecipientZones.Source::wireName).orElse(null);
    }
}
