package io.batchcall.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads environment variables by kind (whole numbers in a range, booleans, URLs, secrets, ...) and collects what
 * is wrong with them, so that {@link Config#fromEnvironment} reports every problem of a failed start at once.
 */
final class EnvironmentReader {
    private static final Pattern PRINTABLE_NO_SPACE = Pattern.compile("\\p{Graph}+");

    private final Map<String, String> env;
    private final List<String> problems = new ArrayList<>();

    EnvironmentReader(Map<String, String> env) {
        this.env = env;
    }

    /** A variable that is unset or blank counts as absent, as a shell's {@code FOO=} would suggest. */
    Optional<String> optional(String name) {
        return Optional.ofNullable(env.get(name)).map(String::strip).filter(v -> !v.isEmpty());
    }

    String text(String name, String fallback) {
        return optional(name).orElse(fallback);
    }

    int integer(String name, int fallback, int min, int max) {
        return optional(name).map(parse(name, min, max)).orElse(fallback);
    }

    private Function<String, Integer> parse(String name, int min, int max) {
        return value -> {
            try {
                int parsed = Integer.parseInt(value);
                if (parsed >= min && parsed <= max) {
                    return parsed;
                }
            } catch (NumberFormatException ignored) {
                // reported below with the accepted range
            }
            problems.add(name + " must be a whole number from " + min + " to " + max + ", got '" + value + "'");
            return min;
        };
    }

    boolean bool(String name, boolean fallback) {
        return optional(name)
                .map(value -> switch (value.toLowerCase(Locale.ROOT)) {
                    case "true" -> true;
                    case "false" -> false;
                    default -> {
                        problems.add(name + " must be true or false, got '" + value + "'");
                        yield fallback;
                    }
                })
                .orElse(fallback);
    }

    Optional<String> jdbcUrl(String name, String value) {
        if (value.startsWith("jdbc:postgresql://")) {
            return Optional.of(value);
        }
        if (value.startsWith("postgresql://") || value.startsWith("postgres://")) {
            problems.add(name + " must be a JDBC URL such as jdbc:postgresql://host:5432/batchcall (user and"
                    + " password go in BATCHCALL_DATABASE_USER and BATCHCALL_DATABASE_PASSWORD)");
            return Optional.empty();
        }
        problems.add(name + " must start with jdbc:postgresql://");
        return Optional.empty();
    }

    Optional<String> secret(String name, String value, int minLength) {
        // The value itself is never echoed: it is a secret.
        if (value.length() < minLength || !PRINTABLE_NO_SPACE.matcher(value).matches()) {
            problems.add(name + " must be at least " + minLength + " printable characters without spaces");
            return Optional.empty();
        }
        return Optional.of(value);
    }

    Optional<byte[]> aesKey(String name, String value) {
        try {
            var key = Base64.getDecoder().decode(value);
            if (key.length == Config.SECRET_KEY_BYTES) {
                return Optional.of(key);
            }
        } catch (IllegalArgumentException ignored) {
            // reported below
        }
        problems.add(name + " must be " + Config.SECRET_KEY_BYTES + " random bytes in base64 (44 characters,"
                + " e.g. from `openssl rand -base64 32`)");
        return Optional.empty();
    }

    /** An http(s) URL with a host and no query or fragment, without its trailing slash. */
    Optional<String> baseUrl(String name, String value) {
        try {
            var uri = new URI(value);
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
                    && uri.getHost() != null
                    && uri.getRawQuery() == null
                    && uri.getRawFragment() == null) {
                return Optional.of(value.replaceAll("/+$", ""));
            }
        } catch (URISyntaxException ignored) {
            // reported below
        }
        problems.add(name + " must be an http:// or https:// URL with a host and no query, got '" + value + "'");
        return Optional.empty();
    }

    String matching(String name, String value, Pattern pattern, String expected) {
        if (!pattern.matcher(value).matches()) {
            problems.add(name + " must be " + expected + ", got '" + value + "'");
        }
        return value;
    }

    /** A rate from {@code NAME} (requests a second) and {@code NAME_BURST}. */
    RateLimitConfig.Rate rate(String name, RateLimitConfig.Rate fallback) {
        return new RateLimitConfig.Rate(
                integer(name, fallback.perSecond(), 1, 1_000_000),
                integer(name + "_BURST", fallback.burst(), 1, 10_000_000));
    }

    double probability(String name, double fallback) {
        return optional(name)
                .map(value -> {
                    try {
                        double parsed = Double.parseDouble(value);
                        if (parsed >= 0 && parsed <= 1) {
                            return parsed;
                        }
                    } catch (NumberFormatException ignored) {
                        // reported below
                    }
                    problems.add(name + " must be a probability from 0 to 1, got '" + value + "'");
                    return 0.0;
                })
                .orElse(fallback);
    }

    void problem(String text) {
        problems.add(text);
    }

    void onlyWith(String name, String required) {
        if (optional(name).isPresent()) {
            problems.add(name + " is set but " + required + " is not: it applies to an external database only");
        }
    }

    void failIfProblems() {
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }
}
