package io.batchcall.store;

import io.batchcall.domain.Agent;
import io.batchcall.domain.AttemptPhase;
import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.BatchRef;
import io.batchcall.domain.BatchStatus;
import io.batchcall.domain.CallingWindows;
import io.batchcall.domain.Claim;
import io.batchcall.domain.Concurrency;
import io.batchcall.domain.DialSlots;
import io.batchcall.domain.FairShare;
import io.batchcall.domain.HoldReason;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.PhoneNumber;
import io.batchcall.domain.RecipientStatus;
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
    private final String nodeId;
    private final Duration lease;
    private final CallingWindows windows;

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
        this.nodeId = nodeId;
        this.lease = lease;
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

    /** A batch that was cancelled or deleted, as the database says. */
    public record StoppedBatch(WorkspaceId workspace, String batchId, boolean deleted) {}

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
            var limits = handle.createQuery("""
                            SELECT concurrency_limit, in_flight, dispatch_paused FROM workspaces
                            WHERE id = :workspaceId FOR NO KEY UPDATE""")
                    .bind("workspaceId", workspace.value())
                    // A workspace whose dispatch is paused (its emergency stop) claims nothing.
                    .map((rs, ctx) -> new int[] {rs.getInt(1), rs.getInt(2), rs.getBoolean(3) ? 1 : 0})
                    .findOne();
            // Read after the lock: claims and ends are then stamped in the order they really happened, so the
            // attempts' timestamps show the limits as they were enforced.
            var now = clock.instant();
            if (limits.isEmpty() || limits.get()[2] == 1) {
                return Result.nothing(now);
            }
            // The slots ends gave back since the last claim count again from here (the agents' too, before their
            // rows are read below); an end committing meanwhile is seen by the next claim.
            int inFlight = limits.get()[1] - InFlight.fold(handle, workspace);
            if (inFlight >= limits.get()[0]) {
                return Result.nothing(now);
            }
            int workspaceLimit = limits.get()[0];
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
            var gate = new ClaimGate(handle, workspace, windows, ClaimGate.caps(handle, workspace), now);
            var admissions = new ArrayList<Admission>();
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
            var claims = admissions.stream().map(Admission::claim).toList();
            // The claims are stamped after every read that saw an end: ends take no workspace lock, so one may
            // have committed after `now` was read and freed the slot or the number a claim just took. Stamped
            // now, a claim is never before an end it depended on (the attempts show the limits as enforced).
            var claimedAt = latest(now, clock.instant());
            recordClaims(handle, workspace, admissions, pacing, claimedAt);
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
                    handle, admissions.stream().map(ClaimStore::dispatchedMove).toList()));
            outbox.append(handle, events, claimedAt);
            if (started.isEmpty()) {
                InFlight.claimedOnBatches(handle, workspace, claims, claimedAt);
            }
            return new Result(claims, started, failed, claimedAt, claimedAt.plus(lease));
        });
    }

    /**
     * A claim's recipient move, with the recipient and the attempt as the claim left them: the event needs no read
     * of either (an attempt just opened is dialing, with no call, times or outcome yet).
     */
    private static LifecycleEvents.RecipientMove dispatchedMove(Admission admission) {
        var claim = admission.claim();
        return new LifecycleEvents.RecipientMove(
                new BatchRef(claim.attempt().workspaceId(), claim.batchId()),
                claim.recipientId(),
                RecipientStatus.PENDING.wireName(),
                Optional.of(claim.attempt()),
                Optional.of(admission.recipient()),
                Optional.of(new LifecycleEvents.AttemptAfter(
                        new io.batchcall.wire.EventWire.AttemptData(
                                claim.attemptNumber(),
                                AttemptPhase.DIALING.wireName(),
                                null,
                                claim.from().provider().wireName(),
                                null,
                                null,
                                null,
                                null,
                                null,
                                null,
                                claim.conversationId(),
                                null),
                        claim.agent().id())));
    }

    private static Instant latest(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    /** What the database says of a claimed attempt just before its dial. */
    public sealed interface DialGate {
        /** Dial it. */
        record Dial() implements DialGate {}

        /** Do not: it ended (another node's recovery), its recipient or batch was cancelled, or it was deleted. */
        record Stopped() implements DialGate {}

        /** Do not: its batch failed (its number cannot dial); the attempt fails with the batch's reason. */
        record BatchFailed(String reason) implements DialGate {}

        /** Do not yet: its batch or workspace is paused; the claim is given back ({@link #unclaim}). */
        record Paused() implements DialGate {}
    }

    /** A claimed attempt about to be dialed, as the dial gate is asked about it. */
    public record GateQuestion(AttemptRef attempt, String batchId) {}

    /**
     * Asked right before every dial, after the dial's instant was read: a pause (or cancel) committed before this
     * read is seen, and one committed after it returned after the dial's instant. So a pause that returned is
     * never followed by a dial on any node, whatever notification that node missed. One indexed read per dial.
     */
    public DialGate dialGate(AttemptRef attempt, String batchId) {
        return dialGates(List.of(new GateQuestion(attempt, batchId))).get(attempt);
    }

    /**
     * {@link #dialGate} for many dials in one read: each question must be asked after its dial's instant was
     * read, which holds as long as the caller sends the read after every question arrived. An attempt the read
     * does not find (deleted) is {@link DialGate.Stopped}.
     */
    public Map<AttemptRef, DialGate> dialGates(List<GateQuestion> questions) {
        var answers = new HashMap<AttemptRef, DialGate>();
        if (questions.isEmpty()) {
            return answers;
        }
        var byWorkspace = new java.util.TreeMap<String, List<GateQuestion>>();
        questions.forEach(q -> byWorkspace
                .computeIfAbsent(q.attempt().workspaceId().value(), w -> new ArrayList<>())
                .add(q));
        jdbi.useHandle(handle -> byWorkspace.forEach((workspaceId, asked) -> handle.createQuery("""
                        SELECT :workspaceId AS workspace_id, q.id,
                               a.phase = :dialing AND a.batch_id = q.batch_id
                                 AND (SELECT r.status FROM recipients r
                                      WHERE r.workspace_id = :workspaceId AND r.batch_id = a.batch_id
                                        AND r.id = a.recipient_id) = ANY(:open) AS open,
                               b.status, b.failure_reason, b.paused_at IS NOT NULL OR w.dispatch_paused AS paused
                        FROM unnest(:attemptIds, :batchIds) AS q(id, batch_id)
                        -- Each question looks its attempt and recipient up by primary key, one at a time (OFFSET 0
                        -- and the scalar subquery keep the planner from joining the tables wholesale). Joined
                        -- as sets, a workspace whose attempts and recipients grew since the last ANALYZE was
                        -- planned as a scan of all of them per question: a claim's 500 dials took seconds.
                        CROSS JOIN LATERAL (SELECT a.phase, a.batch_id, a.recipient_id FROM attempts a
                                            WHERE a.workspace_id = :workspaceId AND a.id = q.id OFFSET 0) a
                        JOIN batches b ON b.workspace_id = :workspaceId AND b.id = a.batch_id
                        JOIN workspaces w ON w.id = :workspaceId""")
                .bind("dialing", AttemptPhase.DIALING.wireName())
                .bindArray("open", String.class, RecipientStatus.open())
                .bind("workspaceId", workspaceId)
                .bindArray(
                        "attemptIds",
                        String.class,
                        asked.stream().map(q -> q.attempt().attemptId()).toList())
                .bindArray(
                        "batchIds",
                        String.class,
                        asked.stream().map(GateQuestion::batchId).toList())
                .map((rs, ctx) -> Map.entry(
                        new AttemptRef(new WorkspaceId(rs.getString("workspace_id")), rs.getString("id")),
                        dialGate(
                                rs.getBoolean("open"),
                                BatchStatus.fromWire(rs.getString("status")).orElseThrow(),
                                Rows.optionalText(rs, "failure_reason"),
                                rs.getBoolean("paused"))))
                .forEach(entry -> answers.put(entry.getKey(), entry.getValue()))));
        questions.forEach(q -> answers.putIfAbsent(q.attempt(), new DialGate.Stopped()));
        return answers;
    }

    private static DialGate dialGate(boolean open, BatchStatus batch, Optional<String> failureReason, boolean paused) {
        if (!open) {
            return new DialGate.Stopped();
        }
        if (batch == BatchStatus.FAILED) {
            return new DialGate.BatchFailed(failureReason.orElse("the batch failed"));
        }
        if (batch.isFinal()) {
            return new DialGate.Stopped();
        }
        return paused ? new DialGate.Paused() : new DialGate.Dial();
    }

    /**
     * Gives back a claim that was never dialed (its batch was paused between claim and dial): the attempt goes
     * as if it had never been opened, its recipient is pending again and is claimed after the resume, and the
     * in-flight counts fall. False when the attempt was dialed or ended meanwhile (nothing is changed then).
     */
    public boolean unclaim(AttemptRef attempt) {
        return giveBack(attempt, Optional.empty());
    }

    /** Why and until when a given-back claim's recipient waits. */
    public record Hold(HoldReason reason, Instant until) {}

    /**
     * Gives back a claim the provider did not dial because its recipient must wait (a WhatsApp user's permission,
     * a provider's per-user limit): as {@link #unclaim}, and the recipient is held with {@code hold} (not claimed
     * again before its time, unless something wakes it), with one {@code recipient.held} event. The attempt never
     * counts: a held recipient has used none of its tries.
     */
    public boolean holdClaim(AttemptRef attempt, Hold hold) {
        return giveBack(attempt, Optional.of(hold));
    }

    private boolean giveBack(AttemptRef attempt, Optional<Hold> hold) {
        return jdbi.inTransaction(handle -> {
            AttemptStore.lockWorkspace(handle, attempt.workspaceId());
            var now = clock.instant();
            var gone = handle.createQuery("""
                            DELETE FROM attempts
                            WHERE workspace_id = :workspaceId AND id = :attemptId AND phase = :dialing
                              AND provider_call_id IS NULL AND dialed_at IS NULL
                            RETURNING batch_id, recipient_id, agent_id, attempt_number""")
                    .bind("workspaceId", attempt.workspaceId().value())
                    .bind("attemptId", attempt.attemptId())
                    .bind("dialing", AttemptPhase.DIALING.wireName())
                    .map((rs, ctx) -> new Unclaimed(
                            rs.getString("batch_id"),
                            rs.getString("recipient_id"),
                            rs.getString("agent_id"),
                            rs.getInt("attempt_number")))
                    .findOne();
            if (gone.isEmpty()) {
                return false;
            }
            var released = gone.get();
            var batch = new BatchRef(attempt.workspaceId(), released.batchId());
            // Back to pending is the way a claim is undone (not a forward move of the lifecycle): only from
            // dispatched, the status the claim set; a recipient cancelled meanwhile stays cancelled.
            var moved = handle.createQuery("""
                            UPDATE recipients SET status = :pending, attempt_count = attempt_count - 1,
                                hold_reason = :holdReason, next_attempt_at = coalesce(:holdUntil, next_attempt_at),
                                updated_at = :now
                            WHERE workspace_id = :workspaceId AND batch_id = :batchId AND id = :recipientId
                              AND status = :dispatched
                            RETURNING id""")
                    .bind("pending", RecipientStatus.PENDING.wireName())
                    .bind("holdReason", hold.map(h -> h.reason().wireName()).orElse(null))
                    .bind(
                            "holdUntil",
                            hold.map(h -> Rows.at(h.until().truncatedTo(java.time.temporal.ChronoUnit.MICROS)))
                                    .orElse(null))
                    .bind("dispatched", RecipientStatus.DISPATCHED.wireName())
                    .bind("workspaceId", attempt.workspaceId().value())
                    .bind("batchId", released.batchId())
                    .bind("recipientId", released.recipientId())
                    .bind("now", Rows.at(now))
                    .mapTo(String.class)
                    .findOne();
            InFlight.unclaimed(
                    handle,
                    attempt.workspaceId(),
                    released.agentId(),
                    released.batchId(),
                    released.attemptNumber() == 1 && moved.isPresent(),
                    now);
            moved.ifPresent(id -> outbox.append(
                    handle,
                    LifecycleEvents.recipientEvents(
                            handle,
                            List.of(new LifecycleEvents.RecipientMove(
                                    batch, id, RecipientStatus.DISPATCHED.wireName(), Optional.empty())),
                            hold.map(h -> "recipient.held")),
                    now));
            return true;
        });
    }

    private record Unclaimed(String batchId, String recipientId, String agentId, int attemptNumber) {}

    /** Of these batches, the ones cancelled or deleted. */
    public List<StoppedBatch> stoppedBatches(List<BatchRef> batches) {
        if (batches.isEmpty()) {
            return List.of();
        }
        return jdbi.withHandle(handle -> KeyArrays.batches(handle.createQuery("""
                        SELECT DISTINCT t.workspace_id, t.id, b.id IS NULL AS deleted
                        FROM unnest(:workspaceIds, :ids) AS t(workspace_id, id)
                        LEFT JOIN batches b ON b.workspace_id = t.workspace_id AND b.id = t.id
                        WHERE b.id IS NULL OR b.status = 'cancelled'"""), batches)
                .map((rs, ctx) -> new StoppedBatch(
                        new WorkspaceId(rs.getString("workspace_id")), rs.getString("id"), rs.getBoolean("deleted")))
                .list());
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
     * A claim, what its attempt records of the rules that let it through, and its recipient as the claim left it
     * (its {@code recipient.dispatched} event is built from that row, not from a second read).
     */
    private record Admission(Claim claim, ClaimGate.Audit audit, io.batchcall.domain.Recipient recipient) {}

    /**
     * Takes up to {@code share} of a batch's due recipients through the gate: candidates are locked a chunk at a
     * time in position order (SKIP LOCKED), the gate holds or skips those the rules rule out (their next_attempt_at
     * moves past now, so they are not picked again), and the next chunk starts after the last one looked at. So
     * held recipients do not use up the batch's share, and a claim looks at no more than
     * {@link #MAX_EXAMINED_PER_CLAIM} of them, to keep its transaction short.
     */
    private List<Admission> claimRecipients(
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
            var candidates = candidates(handle, workspace, batch.id(), after, chunk, now);
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
        var dispatched = dispatched(handle, workspace, batch.id(), admitted, now);
        var due = batch.scheduledAt();
        return admitted.stream()
                .map(admission -> {
                    var candidate = admission.candidate();
                    var recipientDue = candidate
                            .nextAttemptAt()
                            .filter(at -> at.isAfter(due))
                            .orElse(due);
                    return new Admission(
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

    /** Due pending recipients of a batch after a position, locked (SKIP LOCKED: another claim's are passed over). */
    private static List<ClaimGate.Candidate> candidates(
            Handle handle, WorkspaceId workspace, String batchId, int after, int limit, Instant now) {
        return handle.createQuery("""
                        SELECT id, position, phone_number, client_data::text AS client_data, attempt_count,
                               next_attempt_at, hold_reason, timezone, region, whatsapp_user_id,
                               client_data -> 'dynamic_variables' ->> 'timezone' AS variable_zone
                        FROM recipients
                        WHERE workspace_id = :workspaceId AND batch_id = :batchId AND status = 'pending'
                          AND (next_attempt_at IS NULL OR next_attempt_at <= :now) AND position > :after
                        ORDER BY position
                        LIMIT :limit
                        FOR UPDATE SKIP LOCKED""")
                .bind("workspaceId", workspace.value())
                .bind("batchId", batchId)
                .bind("after", after)
                .bind("limit", limit)
                .bind("now", Rows.at(now))
                .map((rs, ctx) -> new ClaimGate.Candidate(
                        rs.getString("id"),
                        rs.getInt("position"),
                        Rows.optionalText(rs, "phone_number"),
                        Rows.optionalText(rs, "client_data"),
                        rs.getInt("attempt_count"),
                        Rows.optionalInstant(rs, "next_attempt_at"),
                        Rows.optionalText(rs, "hold_reason"),
                        Rows.optionalText(rs, "timezone"),
                        Rows.optionalText(rs, "region"),
                        Rows.optionalText(rs, "variable_zone"),
                        Rows.optionalText(rs, "whatsapp_user_id")))
                .list();
    }

    /**
     * Moves the admitted recipients to dispatched in one statement, with the zones the rules judged them in, and
     * returns them as it left them, by id. Every one is moved: the candidates were locked pending by this claim.
     */
    private static Map<String, io.batchcall.domain.Recipient> dispatched(
            Handle handle, WorkspaceId workspace, String batchId, List<ClaimGate.Admitted> admitted, Instant now) {
        var moved = new HashMap<String, io.batchcall.domain.Recipient>();
        if (admitted.isEmpty()) {
            return moved;
        }
        handle.createQuery("""
                        UPDATE recipients r
                        SET status = 'dispatched', attempt_count = r.attempt_count + 1, hold_reason = NULL,
                            resolved_timezones = string_to_array(d.zones, ' '), timezone_source = d.source,
                            updated_at = :now
                        FROM unnest(:ids, :zones, :sources) AS d(id, zones, source)
                        WHERE r.workspace_id = :workspaceId AND r.batch_id = :batchId AND r.id = d.id
                          AND r.status = 'pending'
                        RETURNING\s""" + LifecycleEvents.RECIPIENT_COLUMNS)
                .bind("workspaceId", workspace.value())
                .bind("batchId", batchId)
                .bind("now", Rows.at(now))
                .bindArray(
                        "ids",
                        String.class,
                        admitted.stream().map(a -> a.candidate().id()).toList())
                .bindArray(
                        "zones",
                        String.class,
                        admitted.stream()
                                .map(a -> ClaimGate.zoneList(a.zones()))
                                .toList())
                .bindArray(
                        "sources",
                        String.class,
                        admitted.stream().map(a -> ClaimGate.source(a.zones())).toList())
                .map(RecipientStore::recipient)
                .forEach(recipient -> moved.put(recipient.id(), recipient));
        return moved;
    }

    /** Opens the attempts and counts them in flight, in the lock order workspace, agents, batches. */
    private void recordClaims(
            Handle handle,
            WorkspaceId workspace,
            List<Admission> admissions,
            Map<String, DialSlots> pacing,
            Instant now) {
        if (admissions.isEmpty()) {
            return;
        }
        var claims = admissions.stream().map(Admission::claim).toList();
        var usedNumbers = List.copyOf(
                new java.util.TreeSet<>(claims.stream().map(c -> c.from().id()).toList()));
        // The numbers' next free dial slots are written by the same statement: one round trip fewer per claim.
        handle.createUpdate("""
                        WITH paced AS (
                            UPDATE phone_numbers p SET next_dial_at = n.next
                            FROM unnest(:numberIds, :nextDialAts) AS n(id, next)
                            WHERE p.workspace_id = :workspaceId AND p.id = n.id)
                        INSERT INTO attempts (workspace_id, id, batch_id, recipient_id, attempt_number, agent_id,
                            phone_number_id, provider, conversation_id, node_id, lease_owner, phase, lease_expires_at,
                            dial_at, claimed_at, to_number, local_time, timezone, policy)
                        SELECT :workspaceId, a.id, a.batch_id, a.recipient_id, a.attempt_number, a.agent_id,
                            a.phone_number_id, a.provider, a.conversation_id, :nodeId, :nodeId, :dialing, :leaseUntil,
                            a.dial_at, :now, a.to_number, a.local_time, a.timezone, a.policy
                        FROM unnest(:ids, :batchIds, :recipientIds, :attemptNumbers, :agentIds, :phoneNumberIds,
                                    :providers, :conversationIds, :dialAts, :toNumbers, :localTimes, :timezones,
                                    :policies)
                            AS a(id, batch_id, recipient_id, attempt_number, agent_id, phone_number_id, provider,
                                 conversation_id, dial_at, to_number, local_time, timezone, policy)""")
                .bind("workspaceId", workspace.value())
                .bind("nodeId", nodeId)
                .bind("leaseUntil", Rows.at(now.plus(lease)))
                .bind("dialing", AttemptPhase.DIALING.wireName())
                .bind("now", Rows.at(now))
                .bindArray(
                        "ids",
                        String.class,
                        claims.stream().map(c -> c.attempt().attemptId()).toList())
                .bindArray(
                        "batchIds",
                        String.class,
                        claims.stream().map(Claim::batchId).toList())
                .bindArray(
                        "recipientIds",
                        String.class,
                        claims.stream().map(Claim::recipientId).toList())
                .bindArray(
                        "attemptNumbers",
                        Integer.class,
                        claims.stream().map(Claim::attemptNumber).toList())
                .bindArray(
                        "agentIds",
                        String.class,
                        claims.stream().map(c -> c.agent().id()).toList())
                .bindArray(
                        "phoneNumberIds",
                        String.class,
                        claims.stream().map(c -> c.from().id()).toList())
                .bindArray(
                        "providers",
                        String.class,
                        claims.stream().map(c -> c.from().provider().wireName()).toList())
                .bindArray(
                        "conversationIds",
                        String.class,
                        claims.stream().map(Claim::conversationId).toList())
                .bindArray(
                        "dialAts",
                        java.time.OffsetDateTime.class,
                        claims.stream().map(c -> Rows.at(c.dialAt())).toList())
                .bindArray(
                        "toNumbers",
                        String.class,
                        admissions.stream()
                                .map(a -> a.audit().toNumber().orElse(null))
                                .toList())
                .bindArray(
                        "localTimes",
                        String.class,
                        admissions.stream()
                                .map(a -> a.audit().localTime().orElse(null))
                                .toList())
                .bindArray(
                        "timezones",
                        String.class,
                        admissions.stream()
                                .map(a -> a.audit().timezone().orElse(null))
                                .toList())
                .bindArray(
                        "policies",
                        String.class,
                        admissions.stream().map(a -> a.audit().policy()).toList())
                .bindArray("numberIds", String.class, usedNumbers)
                .bindArray(
                        "nextDialAts",
                        java.time.OffsetDateTime.class,
                        usedNumbers.stream()
                                .map(id -> Rows.at(pacing.get(id).nextFree()))
                                .toList())
                .execute();
        InFlight.claimed(handle, workspace, claims, now);
    }
}
