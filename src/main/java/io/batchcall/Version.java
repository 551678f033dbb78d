package io.batchcall;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Properties;

/** This build's version, from the {@code version.properties} Maven writes when it builds the jar. */
final class Version {
    private Version() {}

    static String current() {
        try (var in = Version.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                throw new IllegalStateException("io/batchcall/version.properties is missing from the build");
            }
            var properties = new Properties();
            properties.load(in);
            return properties.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
