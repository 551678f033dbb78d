package io.batchcall.api;

import io.javalin.http.staticfiles.Location;
import io.javalin.http.staticfiles.StaticFileConfig;
import java.util.Map;

/**
 * The dashboard: static files from the jar's {@code web/} folder, served at {@code /} ({@code index.html} for
 * the folder itself). It is a client of the public API like any script, so it needs no routes of its own. Its
 * pages may load only what this server serves: the Content-Security-Policy forbids anything from elsewhere.
 */
final class Dashboard {
    private static final Map<String, String> HEADERS = Map.of(
            "Content-Security-Policy",
                    "default-src 'self'; img-src 'self' data:; object-src 'none';"
                            + " base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
            "X-Content-Type-Options", "nosniff",
            "Referrer-Policy", "no-referrer",
            // Every release changes these files, and they are small: always revalidate.
            "Cache-Control", "no-cache");

    private Dashboard() {}

    static void serve(StaticFileConfig files) {
        files.hostedPath = "/";
        files.directory = "/web";
        files.location = Location.CLASSPATH;
        files.headers = HEADERS;
    }
}
