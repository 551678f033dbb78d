package io.batchcall.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.CallEvent;
import io.batchcall.domain.Claim;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.NewBatch;
import io.batchcall.domain.NewRecipient;
import io.batchcall.domain.Outcome;
import io.batchcall.domain.TelephonyCallConfig;
import io.batchcall.support.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Eight nodes claiming at once from three batches that share their numbers, under a cap of two calls a day per
 * number: no number is called more than twice, nor twice at once, and the third batch's recipients wait.
 */
class FrequencyCapContentionTest {
    private static final int NUMBERS = 60;

    @Test
    void eight_nodes_claiming_at_once_never_call_a_number_more_often_than_its_cap_nor_twice_at_once() throws Exception {
        var database = Database.connect(
                TestDatabase.freshDatabaseUrl(), Optional.of("postgres"), Optional.empty(), new SimpleMeterRegistry());
        var clock = Clock.systemUTC();
        var ids = IdSource.secure();
        var seed = StoreSeed.create(database, clock, ids, "capped", 6);
        var workspace = seed.workspace();
        database.jdbi()
                .useHandle(h -> h.createUpdate(
                                "UPDATE workspaces SET frequency_caps = '[{\"max\": 2, \"per_seconds\": 86400}]' WHERE id = :w")
                        .bind("w", workspace.value())
                        .execute());
        var agent = seed.agentId();
        var number = seed.numberId();
        var batches = new BatchStore(database, clock, ids, new IdempotencyStore(database, clock));
        var recipients = new ArrayList<NewRecipient>();
        for (int i = 0; i < NUMBERS; i++) {
            recipients.add(new NewRecipient(
                    "r" + i, Optional.of("+1415555%04d".formatted(i)), Optional.empty(), Optional.empty()));
        }
        for (int b = 0; b < 3; b++) {
            batches.submit(
                    workspace,
                    new NewBatch(
                            "b" + b,
                            agent,
                            Optional.empty(),
                            Optional.of(number),
                            Optional.empty(),
                            Optional.empty(),
                            Optional.empty(),
                            TelephonyCallConfig.defaults(),
                            Optional.of(4),
                            clock.instant(),
                            recipients),
                    Optional.empty());
        }
        var lifecycle = new AttemptLifecycle(database, clock, ids);
        var claimed = Collections.synchronizedList(new ArrayList<Claim>());

        var nodes = new ArrayList<Future<?>>();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        try (var pool = Executors.newFixedThreadPool(8)) {
            for (int node = 0; node < 8; node++) {
                var claims = new ClaimStore(database, clock, ids, "node-" + node, Duration.ofSeconds(30));
                nodes.add(pool.submit(() -> {
                    // Bounded by time, not rounds: how many empty rounds the race takes depends on the machine.
                    while (claimed.size() < 2 * NUMBERS && System.nanoTime() < deadline) {
                        List<Claim> mine =
                                claims.claim(workspace, n -> Optional.empty()).claims();
                        claimed.addAll(mine);
                        if (!mine.isEmpty()) {
                            lifecycle.apply(mine.stream()
                                    .<CallEvent>map(claim -> new CallEvent.Ended(
                                            claim.attempt(),
                                            new Outcome.Completed(),
                                            Optional.<String>empty(),
                                            Optional.<Integer>empty(),
                                            false))
                                    .toList());
                        }
                    }
                    return null;
                }));
            }
        }
        for (var node : nodes) {
            node.get();
        }

        // One more claim once all have ended: it takes nothing, and holds whatever the race left unexamined.
        var last = new ClaimStore(database, clock, ids, "node-last", Duration.ofSeconds(30))
                .claim(workspace, n -> Optional.empty())
                .claims();
        assertThat(last).isEmpty();
        var perNumber = database.jdbi()
                .withHandle(h -> h.createQuery("""
                                SELECT to_number, count(*) FROM attempts WHERE workspace_id = :w
                                GROUP BY to_number""")
                        .bind("w", workspace.value())
                        .map((rs, ctx) -> rs.getInt(2))
                        .list());
        assertThat(perNumber)
                .hasSize(NUMBERS)
                .allSatisfy(count -> assertThat(count).isEqualTo(2));
        record Span(String number, OffsetDateTime claimed, OffsetDateTime ended) {}
        var spans = database.jdbi()
                .withHandle(h -> h.createQuery("""
                                SELECT to_number, claimed_at, ended_at FROM attempts WHERE workspace_id = :w
                                ORDER BY to_number, claimed_at""")
                        .bind("w", workspace.value())
                        .map((rs, ctx) -> new Span(
                                rs.getString(1),
                                rs.getObject(2, OffsetDateTime.class),
                                rs.getObject(3, OffsetDateTime.class)))
                        .list());
        for (int i = 1; i < spans.size(); i++) {
            if (spans.get(i).number().equals(spans.get(i - 1).number())) {
                assertThat(spans.get(i).claimed())
                        .as(
                                "a second call to %s starts after the first ended",
                                spans.get(i).number())
                        .isAfterOrEqualTo(spans.get(i - 1).ended());
            }
        }
        int held = database.jdbi()
                .withHandle(h -> h.createQuery("""
                                SELECT count(*) FROM recipients
                                WHERE workspace_id = :w AND status = 'pending' AND hold_reason = 'frequency_cap'""")
                        .bind("w", workspace.value())
                        .mapTo(Integer.class)
                        .one());
        assertThat(held).isEqualTo(NUMBERS);
        database.close();
    }
}
