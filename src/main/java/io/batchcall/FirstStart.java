package io.batchcall;

import io.batchcall.domain.ApiKeySecret;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.Provider;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.AgentStore;
import io.batchcall.store.ApiKeyStore;
import io.batchcall.store.PhoneNumberStore;
import io.batchcall.store.WorkspaceStore;
import java.io.PrintStream;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a server does the first time it meets its database: create the default workspace and its API key. A
 * generated key is printed once on stdout (only its hash is kept, so it can never be shown again).
 */
final class FirstStart {
    private static final Logger log = LoggerFactory.getLogger(FirstStart.class);
    private static final String DEMO_NUMBER = "+14155550100";

    private final WorkspaceStore workspaces;
    private final ApiKeyStore keys;
    private final AgentStore agents;
    private final PhoneNumberStore phoneNumbers;
    private final IdSource ids;
    private final PrintStream console;

    FirstStart(
            WorkspaceStore workspaces,
            ApiKeyStore keys,
            AgentStore agents,
            PhoneNumberStore phoneNumbers,
            IdSource ids,
            PrintStream console) {
        this.workspaces = workspaces;
        this.keys = keys;
        this.agents = agents;
        this.phoneNumbers = phoneNumbers;
        this.ids = ids;
        this.console = console;
    }

    /**
     * Creates the default workspace on a database's first start. With {@code withDemo} (the embedded database: a
     * new user trying batchcall out) it also gets a demo agent and a simulator number assigned to it, so that a
     * batch can be submitted with curl or the SDK right away.
     */
    void ensureDefaultWorkspace(Optional<String> configuredKey, boolean withDemo) {
        var key = configuredKey.map(ApiKeySecret::new).orElseGet(() -> ApiKeySecret.generate(ids));
        var created = workspaces.createDefaultIfAbsent(key);
        if (created.isPresent()) {
            log.info("Default workspace created workspaceId={}", created.get().id());
            if (configuredKey.isEmpty()) {
                printGeneratedKey(key);
            }
            if (withDemo) {
                createDemo(created.get().id());
            }
            return;
        }
        // A key set in the environment after the first start is added to the default workspace, which lets an
        // operator rotate keys by configuration. A key that was revoked stays revoked.
        if (configuredKey.isPresent() && !keys.exists(key)) {
            workspaces
                    .findDefault()
                    .flatMap(workspace -> keys.issue(workspace.id(), key))
                    .ifPresent(issued ->
                            log.info("BATCHCALL_API_KEY added to the default workspace keyId={}", issued.id()));
        }
    }

    private void createDemo(WorkspaceId workspace) {
        var number = phoneNumbers.create(
                workspace,
                new PhoneNumberStore.NewPhoneNumber(
                        Provider.SIMULATOR,
                        DEMO_NUMBER,
                        "Simulator (demo)",
                        Optional.empty(),
                        "{}",
                        Map.of(),
                        Provider.SIMULATOR.defaultCps(),
                        false,
                        true));
        var agent = agents.create(
                workspace,
                new AgentStore.NewAgent(
                        "Demo agent", "{}", "[\"demo\"]", Optional.empty(), Optional.empty(), Optional.empty()),
                Optional.of(number.id()));
        log.info("Demo agent and simulator number created agentId={} phoneNumberId={}", agent.id(), number.id());
        console.println("  A demo agent and a simulator number (it dials nobody) are ready:");
        console.println("    agent_id             " + agent.id());
        console.println("    agent_phone_number_id " + number.id());
        console.println();
        console.flush();
    }

    private void printGeneratedKey(ApiKeySecret key) {
        console.println();
        console.println("  batchcall: the default workspace's API key (shown once; only its hash is stored):");
        console.println();
        console.println("    " + key.value());
        console.println();
        console.println("  Send it as the xi-api-key header. Keep it somewhere safe.");
        console.println();
        console.flush();
    }
}
