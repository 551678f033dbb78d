package io.batchcall;

import io.batchcall.domain.ApiKeySecret;
import io.batchcall.domain.IdSource;
import io.batchcall.store.ApiKeyStore;
import io.batchcall.store.WorkspaceStore;
import java.io.PrintStream;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a server does the first time it meets its database: create the default workspace and its API key. A
 * generated key is printed once on stdout (only its hash is kept, so it can never be shown again).
 */
final class FirstStart {
    private static final Logger log = LoggerFactory.getLogger(FirstStart.class);

    private final WorkspaceStore workspaces;
    private final ApiKeyStore keys;
    private final IdSource ids;
    private final PrintStream console;

    FirstStart(WorkspaceStore workspaces, ApiKeyStore keys, IdSource ids, PrintStream console) {
        this.workspaces = workspaces;
        this.keys = keys;
        this.ids = ids;
        this.console = console;
    }

    void ensureDefaultWorkspace(Optional<String> configuredKey) {
        var key = configuredKey.map(ApiKeySecret::new).orElseGet(() -> ApiKeySecret.generate(ids));
        var created = workspaces.createDefaultIfAbsent(key);
        if (created.isPresent()) {
            log.info("Default workspace created workspaceId={}", created.get().id());
            if (configuredKey.isEmpty()) {
                printGeneratedKey(key);
            }
            return;
        }
        // A key set in the environment after the first start is added to the default workspace, which lets an
        // operator rotate keys by configuration. A key that was revoked stays revoked.
        if (configuredKey.isPresent() && !keys.exists(key)) {
            workspaces.findDefault().flatMap(workspace -> keys.issue(workspace.id(), key)).ifPresent(issued ->
                    log.info("BATCHCALL_API_KEY added to the default workspace keyId={}", issued.id()));
        }
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
