package io.batchcall.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.Claim;
import io.batchcall.domain.IdSource;
import io.batchcall.support.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A claim given back before its dial (its batch paused between claim and dial) makes its recipient pending again,
 * unless the batch was cancelled or failed after the dial gate answered: a pending recipient in a finished batch
 * would wait for good (a cancel moves only pending recipients, and this one was dispatched), so the claim is kept
 * for the dispatcher to end as the gate would now answer.
 */
class ClaimGiveBackTest {
    private final Clock clock = Clock.systemUTC();
    private final IdSource ids = IdSource.secure();
    private Database database;
    private StoreSeed seed;
    private ClaimStore claims;
    private Claim claim;

    @BeforeEach
    void oneRecipientClaimedNotDialed() {
        database = Database.connect(
                TestDatabase.freshDatabaseUrl(), Optional.of("postgres"), Optional.empty(), new SimpleMeterRegistry());
        seed = StoreSeed.create(database, clock, ids, "give-back", 10);
        seed.submit(database, clock, ids, StoreSeed.lettered("a"));
        claims = new ClaimStore(database, clock, ids, "node-a", Duration.ofSeconds(30));
        var claimed = claims.claim(seed.workspace(), number -> Optional.empty()).claims();
        assertThat(claimed).hasSize(1);
        claim = claimed.getFirst();
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void a_claim_given_back_makes_its_recipient_pending_and_removes_its_attempt() {
        var given = claims.giveBack().unclaim(claim.attempt());

        assertThat(given).isInstanceOf(ClaimGiveBack.Given.Back.class);
        assertThat(recipientStatus()).isEqualTo("pending");
        assertThat(attempts()).isZero();
    }

    @Test
    void a_claim_given_back_after_its_batch_was_cancelled_is_kept_to_end_cancelled() {
        new BatchStore(database, clock, ids, new IdempotencyStore(database, clock))
                .cancel(seed.workspace(), claim.batchId(), Optional.empty());

        var given = claims.giveBack().unclaim(claim.attempt());

        assertThat(given).isEqualTo(new ClaimGiveBack.Given.BatchStopped(new DialChecks.DialGate.Stopped()));
        assertThat(recipientStatus()).isEqualTo("dispatched");
        assertThat(attempts()).isEqualTo(1);
    }

    @Test
    void a_held_claim_given_back_after_its_batch_failed_is_kept_to_end_with_the_batch_reason() {
        claims.failBatch(seed.workspace(), claim.batchId(), "the number cannot dial");

        var given = claims.giveBack()
                .holdClaim(
                        claim.attempt(),
                        new ClaimGiveBack.Hold(
                                io.batchcall.domain.HoldReason.WHATSAPP_PERMISSION,
                                clock.instant().plusSeconds(60)));

        assertThat(given)
                .isEqualTo(new ClaimGiveBack.Given.BatchStopped(
                        new DialChecks.DialGate.BatchFailed("the number cannot dial")));
        assertThat(recipientStatus()).isEqualTo("dispatched");
    }

    @Test
    void a_claim_already_ended_is_not_given_back() {
        database.jdbi()
                .useHandle(h -> h.createUpdate(
                                "UPDATE attempts SET phase = 'ended', lease_expires_at = NULL WHERE id = :id")
                        .bind("id", claim.attempt().attemptId())
                        .execute());

        assertThat(claims.giveBack().unclaim(claim.attempt())).isInstanceOf(ClaimGiveBack.Given.NotOpen.class);
        assertThat(recipientStatus()).isEqualTo("dispatched");
    }

    private String recipientStatus() {
        return database.jdbi()
                .withHandle(h -> h.createQuery("SELECT status FROM recipients WHERE batch_id = :b")
                        .bindMap(Map.of("b", claim.batchId()))
                        .mapTo(String.class)
                        .one());
    }

    private int attempts() {
        return database.jdbi()
                .withHandle(h -> h.createQuery("SELECT count(*) FROM attempts WHERE batch_id = :b")
                        .bindMap(Map.of("b", claim.batchId()))
                        .mapTo(Integer.class)
                        .one());
    }
}
