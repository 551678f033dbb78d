package io.batchcall.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Temporary directories the tests made, deleted when the test JVM exits. */
final class TempDirectories {
    private static final Set<Path> directories = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(TempDirectories::deleteAll, "temp-directories"));
    }

    private TempDirectories() {}

    static void deleteAtExit(Path directory) {
        directories.add(directory);
    }

    private static void deleteAll() {
        directories.forEach(TempDirectories::deleteTree);
    }

    // Deepest first, so that each directory is empty when its turn comes; what cannot be deleted stays.
    private static void deleteTree(Path root) {
        try (var paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    // Still in use or not ours to delete: a temporary directory, left for the system.
                }
            });
        } catch (IOException | java.io.UncheckedIOException e) {
            // The walk itself failed (the tree changed under it): what is left stays.
        }
    }
}
