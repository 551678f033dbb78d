package io.batchcall.store;

import io.batchcall.domain.Agent;
import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.BatchStatus;
import io.batchcall.domain.CallingWindows;
import io.batchcall.domain.Claim;
import io.batchcall.domain.Concurrency;
import io.batchcall.domain.DialSlots;
import io.batchcall.domain.FairShare;
import io.batchcall.domain.FrequencyCap;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.PhoneNumber;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.ClaimLocks.DueBatch;
import io.batchcall.store.ClaimLocks.LockedAgent;
import io.batchcall.store.ClaimLocks.LockedNumber;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The claim: in one transaction per workspace, take due pending recipients up to every limit (batch, agent,
 * workspace), shared round-robin between the workspace's batches, paced per number, and open an attempt with a
 * lease for each. Locks are taken in the order workspace, batches, agents, numbers, recipients (SKIP LOCKED), so
 * that nodes claiming at once wait for each other instead of exceeding a limit.
 */
public final class ClaimStore {
    /** How far ahead a claim may reserve paced dial slots on a number. */
    static final Duration PACING_HORIZON = Duration.ofSeconds(1);
    /** The most recipients one claim takes in one workspace, to keep transactions short. */
    static final int MAX_PER_CLAIM = 1_000;
    /** The fewest recipients a claim locks at once: held ones are passed in chunks, not one statement each. */
    static final int MIN_CHUNK = 100;
    /** The most recipients one claim looks at in one batch, held and skipped ones included. */
    static final int MAX_EXAMINED_PER_CLAIM = 5_000;

    private final Jdbi jdbi;
    private final Clock clock;
    private final IdSource ids;
    private final Outbox outbox;
    private final Duration lease;
    private final CallingWindows windows;
    private final ClaimWrites writes;
    private final DialChecks checks;
    private final ClaimGiveBack giveBack;

    /** A claim store without calling windows (every recipient may be called at any time of day). */
    public ClaimStore(Database database, Clock clock, IdSource ids, String nodeId, Duration lease) {
        this(database, clock, ids, nodeId, lease, CallingWindows.NONE);
    }

    public ClaimStore(
            Database database, Clock clock, IdSource ids, String nodeId, Duration lease, CallingWindows windows) {
        this.windows = windows;
        this.jdbi = database.jdbi();
        this.clock = clock;
        this.ids = ids;
        this.outbox = new Outbox(ids);
        this.lease = lease;
        this.writes = new ClaimWrites(nodeId, lease);
        this.checks = new DialChecks(jdbi);
        this.giveBack = new ClaimGiveBack(jdbi, clock, outbox);
    }

    /** The dial gate and the stopped-batch check, asked about this node's claims. */
    public DialChecks checks() {
        return checks;
    }

    /** Giving back claims that were not dialed. */
    public ClaimGiveBack giveBack() {
        return giveBack;
    }

    /** A batch that cannot place calls any more, and why; the claim fails it. */
    public record Unplaceable(WorkspaceId workspace, String batchId, String reason) {}

    /**
     * What one claim did: recipients to dial, batches it started (their first claim), batches it failed, when it
     * claimed them and until when their leases run unless renewed.
     */
    public record Result(
            List<Claim> claims, List<String> started, List<Unplaceable> failed, Instant claimedAt, Instant leaseUntil) {
        static Result nothing(Instant now) {
            return new Result(List.of(), List.of(), List.of(), now, now);
        }
    }

    /** Workspaces with a batch that is due and not finished: the ones worth a claim. */
    public List<WorkspaceId> workspacesWithDueBatches() {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT DISTINCT b.workspace_id FROM batches b
                        JOIN workspaces w ON w.id = b.workspace_id
                        WHERE b.status = ANY(:running) AND b.scheduled_at <= :now AND b.paused_at IS NULL
                          AND NOT w.dispatch_paused""")
                .bindArray("running", String.class, BatchStatus.running())
                .bind("now", Rows.at(clock.instant()))
                .map((rs, ctx) -> new WorkspaceId(rs.getString(1)))
                .list());
    }

    /**
     * Claims what the limits allow in one workspace. {@code unusable} says why this node cannot dial from a number
     * (no provider for it, credentials it cannot open), or nothing when it can; batches on such numbers are failed
     * with that reason before any of their recipients is claimed.
     */
    public Result claim(WorkspaceId workspace, Function<PhoneNumber, Optional<String>> unusable) {
        return jdbi.inTransaction(handle -> {
            // The frequency caps come with the lock: read from the locked row, so a change applies to the next
            // claim, and one round trip fewer.
            var limits = handle.createQuery("SELECT w.concurrency_limit, w.in_flight, w.dispatch_paused, "
                            + ClaimGate.CAPS_COLUMNS + """

                            FROM workspaces w WHERE w.id = :workspaceId FOR NO KEY UPDATE""")
                    .bind("workspaceId", workspace.value())
                    .map((rs, ctx) -> new WorkspaceLimits(
                            rs.getInt("concurrency_limit"),
                            rs.getInt("in_flight"),
                            rs.getBoolean("dispatch_paused"),
                            ClaimGate.caps(rs)))
                    .findOne();
            // Read after the lock: claims and ends are then stamped in the order they really happened, so the
            // attempts' timestamps show the limits as they were enforced.
            var now = clock.instant();
            // A workspace whose dispatch is paused (its emergency stop) claims nothing.
            if (limits.isEmpty() || limits.get().paused()) {
                return Result.nothing(now);
            }
            // The slots ends gave back since the last claim count again from here (the agents' too, before their
            // rows are read below); an end committing meanwhile is seen by the next claim.
            int inFlight = limits.get().inFlight() - InFlight.fold(handle, workspace);
            if (inFlight >= limits.get().concurrencyLimit()) {
                return Result.nothing(now);
            }
            int workspaceLimit = limits.get().concurrencyLimit();
            int workspaceFree = workspaceLimit - inFlight;
            var batches = ClaimLocks.dueBatches(handle, workspace, now);
            if (batches.isEmpty()) {
                return Result.nothing(now);
            }
            var agents = ClaimLocks.agents(
                    handle,
                    workspace,
                    batches.stream().map(DueBatch::agentId).distinct().toList(),
                    now);
            var numbers = ClaimLocks.numbers(
                    handle,
                    workspace,
                    batches.stream()
                            .flatMap(b -> b.phoneNumberId().stream())
                            .distinct()
                            .toList());

            var failed = new ArrayList<Unplaceable>();
            var usable = new ArrayList<DueBatch>();
            for (var batch : batches) {
                var reason = unplaceableReason(batch, agents, numbers, unusable);
                if (reason.isPresent()) {
                    failBatch(handle, workspace, batch.id(), reason.get(), now);
                    failed.add(new Unplaceable(workspace, batch.id(), reason.get()));
                } else {
                    usable.add(batch);
                }
            }
            var agentFree = new HashMap<String, Integer>();
            agents.forEach((id, agent) -> {
                int concurrencyRoom = agent.agent().concurrencyLimit().orElse(workspaceLimit) - agent.inFlight();
                agentFree.put(id, Math.min(concurrencyRoom, agent.dailyRoom(concurrencyRoom)));
            });
            var pacing = new HashMap<String, DialSlots>();
            numbers.forEach((id, number) ->
                    pacing.put(id, new DialSlots(number.number().cps(), number.nextDialAt(), now, PACING_HORIZON)));

            var shares = share(usable, workspaceFree, workspaceLimit, agents, agentFree, pacing);
            var gate = new ClaimGate(handle, workspace, windows, limits.get().caps(), now);
            var admissions = new ArrayList<ClaimWrites.Admission>();
            for (var batch : usable) {
                int share = shares.getOrDefault(batch.id(), 0);
                if (share > 0) {
                    var numberId = batch.phoneNumberId().orElseThrow();
                    admissions.addAll(claimRecipients(
                            handle,
                            workspace,
                            batch,
                            share,
                            agents.get(batch.agentId()).agent(),
                            numbers.get(numberId).number(),
                            pacing.get(numberId),
                            gate,
                            now));
                }
            }
            var claims = admissions.stream().map(ClaimWrites.Admission::claim).toList();
            // The claims are stamped after every read that saw an end: ends take no workspace lock, so one may
            // have committed after `now` was read and freed the slot or the number a claim just took. Stamped
            // now, a claim is never before an end it depended on (the attempts show the limits as enforced).
            var claimedAt = latest(now, clock.instant());
            writes.recordClaims(handle, workspace, admissions, pacing, claimedAt);
            var claimedBatches = Set.copyOf(claims.stream().map(Claim::batchId).toList());
            var started = usable.stream()
                    .filter(DueBatch::pending)
                    .map(DueBatch::id)
                    .filter(claimedBatches::contains)
                    .toList();
            if (!started.isEmpty()) {
                // A batch's first claim shows it in progress in its batch.started event: counted on first.
                InFlight.claimedOnBatches(handle, workspace, claims, claimedAt);
            }
            var events = new ArrayList<>(BatchTransitions.started(handle, workspace, started));
            events.addAll(gate.events());
            events.addAll(LifecycleEvents.recipientEvents(
                    handle, admissions.stream().map(ClaimWrites::dispatchedMove).toList()));
            outbox.append(handle, events, claimedAt);
            if (started.isEmpty()) {
                InFlight.claimedOnBatches(handle, workspace, claims, claimedAt);
            }
            return new Result(claims, started, failed, claimedAt, claimedAt.plus(lease));
        });
    }

    /** The workspace's row as a claim locks it: its limit, its calls in flight, its emergency stop, its caps. */
    private record WorkspaceLimits(int concurrencyLimit, int inFlight, boolean paused, List<FrequencyCap> caps) {}

    private static Instant latest(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    /**
     * Fails a batch that cannot place calls (its number's credentials were rejected, say): recipients not yet
     * dialed fail with the reason; calls in flight finish on their own. False when the batch was not running.
     */
    public boolean failBatch(WorkspaceId workspace, String batchId, String reason) {
        return jdbi.inTransaction(handle -> {
            AttemptStore.lockWorkspace(handle, workspace);
            return failBatch(handle, workspace, batchId, reason, clock.instant());
        });
    }

    private boolean failBatch(Handle handle, WorkspaceId workspace, String batchId, String reason, Instant now) {
        return BatchTransitions.fail(handle, outbox, workspace, batchId, reason, now);
    }

    private static Optional<String> unplaceableReason(
            DueBatch batch,
            Map<String, LockedAgent> agents,
            Map<String, LockedNumber> numbers,
            Function<PhoneNumber, Optional<String>> unusable) {
        var agent = agents.get(batch.agentId());
        if (agent == null || agent.deleted()) {
            return Optional.of("agent " + batch.agentId() + " was deleted");
        }
        if (batch.phoneNumberId().isEmpty()) {
            return Optional.of("the batch has no caller number; WhatsApp calling is not available in this version");
        }
        var number = numbers.get(batch.phoneNumberId().get());
        if (number == null || number.deleted()) {
            return Optional.of("phone number " + batch.phoneNumberId().get() + " was deleted");
        }
        return unusable.apply(number.number());
    }

    /** Each batch's share of the free capacity, within every limit and its number's pace. */
    private static Map<String, Integer> share(
            List<DueBatch> batches,
            int workspaceFree,
            int workspaceLimit,
            Map<String, LockedAgent> agents,
            Map<String, Integer> agentFree,
            Map<String, DialSlots> pacing) {
        var candidates = batches.stream()
                .map(batch -> new FairShare.Candidate(
                        batch.id(),
                        batch.agentId(),
                        batch.phoneNumberId().orElseThrow(),
                        Concurrency.batchLimit(
                                        batch.target(),
                                        workspaceLimit,
                                        agents.get(batch.agentId()).agent().concurrencyLimit())
                                - batch.inFlight()))
                .toList();
        var slots = new HashMap<String, Integer>();
        pacing.forEach((id, dialSlots) -> slots.put(id, dialSlots.available(MAX_PER_CLAIM)));
        return FairShare.share(candidates, Math.min(workspaceFree, MAX_PER_CLAIM), agentFree, slots);
    }

    /**
     * Takes up to {@code share} of a batch's due recipients through the gate: candidates are locked a chunk at a
     * time in position order (SKIP LOCKED), the gate holds or skips those the rules rule out (their next_attempt_at
     * moves past now, so they are not picked again), and the next chunk starts after the last one looked at. So
     * held recipients do not use up the batch's share, and a claim looks at no more than
     * {@link #MAX_EXAMINED_PER_CLAIM} of them, to keep its transaction short.
     */
    private List<ClaimWrites.Admission> claimRecipients(
            Handle handle,
            WorkspaceId workspace,
            DueBatch batch,
            int share,
            Agent agent,
            PhoneNumber number,
            DialSlots pacing,
            ClaimGate gate,
            Instant now) {
        var admitted = new ArrayList<ClaimGate.Admitted>();
        int after = Integer.MIN_VALUE;
        int examined = 0;
        while (admitted.size() < share && examined < MAX_EXAMINED_PER_CLAIM) {
            int chunk = Math.min(MAX_PER_CLAIM, Math.max(share - admitted.size(), MIN_CHUNK));
            var candidates = ClaimWrites.candidates(handle, workspace, batch.id(), after, chunk, now);
            if (candidates.isEmpty()) {
                break;
            }
            admitted.addAll(gate.decide(batch, candidates, share - admitted.size()));
            examined += candidates.size();
            after = candidates.getLast().position();
            if (candidates.size() < chunk) {
                break;
            }
        }
        var dispatched = ClaimWrites.dispatched(handle, workspace, batch.id(), admitted, now);
        var due = batch.scheduledAt();
        return admitted.stream()
                .map(admission -> {
                    var candidate = admission.candidate();
                    var recipientDue = candidate
                            .nextAttemptAt()
                            .filter(at -> at.isAfter(due))
                            .orElse(due);
                    return new ClaimWrites.Admission(
                            new Claim(
                                    new AttemptRef(workspace, ids.next(AttemptRef.ID_PREFIX)),
                                    batch.id(),
                                    candidate.id(),
                                    candidate.attemptCount() + 1,
                                    to(number, candidate),
                                    number,
                                    agent,
                                    batch.callConfig(),
                                    ids.next("conv"),
                                    candidate.clientData(),
                                    pacing.take(),
                                    recipientDue),
                            admission.audit(),
                            dispatched.get(candidate.id()));
                })
                .toList();
    }

    /**
     * Whom the call goes to: the recipient's WhatsApp user id from a WhatsApp account (null when it has none: the
     * provider fails that recipient, saying why), its phone number otherwise.
     */
    private static String to(PhoneNumber number, ClaimGate.Candidate candidate) {
        return number.provider() == io.batchcall.domain.Provider.WHATSAPP
                ? candidate.whatsappUserId().orElse(null)
                : candidate.phoneNumber().orElse(null);
    }
}
