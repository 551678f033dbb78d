package io.batchcall.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.batchcall.domain.Change;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.PhoneNumber;
import io.batchcall.domain.Provider;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.support.DirectDatabase;
import io.batchcall.support.TestServer;
import io.batchcall.support.WithServer;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

@WithServer
class PhoneNumberStoreTest {
    private static TestServer server;
    private static DirectDatabase database;
    private static PhoneNumberStore store;
    private static WorkspaceId workspace;

    @BeforeAll
    static void start() {
        database = new DirectDatabase(server);
        store = new PhoneNumberStore(
                database.database(), Clock.systemUTC(), new CredentialCipher(new byte[32]), IdSource.secure());
        workspace = new WorkspaceId(server.client()
                .get("/v1/batchcall/workspace")
                .json()
                .get("workspace_id")
                .asText());
    }

    @AfterAll
    static void stop() {
        database.close();
    }

    @Test
    void credentials_are_sealed_in_their_column_and_nowhere_else_in_clear() {
        var number = store.create(workspace, twilio(Map.of("token", "plain-twilio-token-42")));

        var stored = database.jdbi()
                .withHandle(handle -> handle.createQuery("""
                        SELECT credentials, settings::text AS settings FROM phone_numbers
                        WHERE workspace_id = :workspaceId AND id = :id""")
                        .bind("workspaceId", workspace.value())
                        .bind("id", number.id())
                        .mapToMap()
                        .one());

        assertThat(new String((byte[]) stored.get("credentials"), StandardCharsets.ISO_8859_1))
                .doesNotContain("plain-twilio-token-42")
                .doesNotContain("token");
        assertThat((String) stored.get("settings")).doesNotContain("plain-twilio-token-42");
        assertThat(number.hasCredentials()).isTrue();
        assertThat(store.credentials(workspace, number.id())).contains(Map.of("token", "plain-twilio-token-42"));
    }

    @Test
    void a_number_without_secrets_has_no_credentials_and_a_patch_merges_them() {
        var number = store.create(workspace, twilio(Map.of()));
        assertThat(number.hasCredentials()).isFalse();
        assertThat(store.credentials(workspace, number.id())).isEmpty();

        store.update(
                workspace,
                number.id(),
                new PhoneNumberStore.Changes(
                        Optional.empty(),
                        Change.keep(),
                        "{}",
                        Set.of(),
                        Map.of("outbound_password", Optional.of("p1"), "inbound_password", Optional.of("p2")),
                        Optional.empty()));
        store.update(
                workspace,
                number.id(),
                new PhoneNumberStore.Changes(
                        Optional.empty(),
                        Change.keep(),
                        "{}",
                        Set.of(),
                        Map.of("inbound_password", Optional.empty()),
                        Optional.empty()));

        assertThat(store.credentials(workspace, number.id())).contains(Map.of("outbound_password", "p1"));
    }

    @Test
    void a_number_whose_secrets_no_longer_open_can_be_renamed_and_is_repaired_by_sending_its_token_again() {
        var number = store.create(workspace, twilio(Map.of("token", "sealed-with-another-key")));
        // As if the server's secret key changed: what is stored no longer opens.
        var unreadable = new byte[60];
        java.util.Arrays.fill(unreadable, (byte) 0xab);
        database.jdbi()
                .useHandle(handle -> handle.createUpdate("UPDATE phone_numbers SET credentials = :c WHERE id = :id")
                        .bind("c", unreadable)
                        .bind("id", number.id())
                        .execute());

        var renamed = store.update(workspace, number.id(), changes(Optional.of("Renamed"), Map.of()));
        assertThat(renamed).map(PhoneNumber::label).contains("Renamed");
        assertThatThrownBy(() -> store.credentials(workspace, number.id()))
                .as("a rename leaves the secrets as they were")
                .isInstanceOf(PhoneNumberStore.UnreadableCredentials.class);

        store.update(workspace, number.id(), changes(Optional.empty(), Map.of("token", Optional.of("sent-again"))));

        assertThat(store.credentials(workspace, number.id())).contains(Map.of("token", "sent-again"));
    }

    private static PhoneNumberStore.Changes changes(Optional<String> label, Map<String, Optional<String>> credentials) {
        return new PhoneNumberStore.Changes(label, Change.keep(), "{}", Set.of(), credentials, Optional.empty());
    }

    @Test
    void a_deleted_or_foreign_number_gives_no_credentials() {
        var number = store.create(workspace, twilio(Map.of("token", "t")));

        assertThat(store.credentials(new WorkspaceId("ws_other"), number.id())).isEmpty();
        assertThat(store.delete(workspace, number.id())).isEqualTo(Deletion.DELETED);
        assertThat(store.credentials(workspace, number.id())).isEmpty();
        assertThat(store.delete(workspace, number.id())).isEqualTo(Deletion.NOT_FOUND);
    }

    @Test
    void the_sip_endpoint_hears_the_trunks_of_live_sip_trunk_numbers_of_every_workspace_and_no_others() {
        var other = new WorkspaceId(server.admin()
                .post("/admin/v1/workspaces", "{\"name\":\"Trunks\"}")
                .json()
                .get("workspace_id")
                .asText());
        store.create(workspace, sipTrunk("{\"outbound_trunk\":{\"address\":\"trunk-a.test:5060\"}}"));
        store.create(other, sipTrunk("{\"outbound_trunk\":{\"address\":\"trunk-b.test\"}}"));
        store.create(other, sipTrunk("{\"outbound_trunk\":{\"address\":\"trunk-a.test:5060\"}}"));
        store.create(other, sipTrunk("{\"outbound_trunk\":null}"));
        var deleted = store.create(workspace, sipTrunk("{\"outbound_trunk\":{\"address\":\"gone.test\"}}"));
        store.delete(workspace, deleted.id());

        assertThat(store.sipTrunkAddresses())
                .contains("trunk-a.test:5060", "trunk-b.test")
                .doesNotHaveDuplicates()
                .doesNotContain("gone.test");
    }

    private static PhoneNumberStore.NewPhoneNumber sipTrunk(String settings) {
        return new PhoneNumberStore.NewPhoneNumber(
                Provider.SIP_TRUNK,
                "+14155552672",
                "Trunk",
                Optional.empty(),
                settings,
                Map.of(),
                BigDecimal.ONE,
                true,
                true);
    }

    private static PhoneNumberStore.NewPhoneNumber twilio(Map<String, String> secrets) {
        return new PhoneNumberStore.NewPhoneNumber(
                Provider.TWILIO,
                "+14155552671",
                "Main",
                Optional.empty(),
                "{\"sid\":\"AC1\"}",
                secrets,
                BigDecimal.ONE,
                true,
                true);
    }
}
