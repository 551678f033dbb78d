package io.batchcall;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.config.Setting;
import io.batchcall.config.Settings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CommandLineTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return App.answerCommandLine(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String printed(ByteArrayOutputStream stream) {
        return stream.toString(StandardCharsets.UTF_8);
    }

    @Test
    void version_prints_the_build_version_from_the_pom() {
        assertThat(run("--version")).isZero();

        assertThat(printed(out)).matches("batchcall \\d+\\.\\d+\\.\\d+\\S*\\R").contains(Version.current());
        assertThat(Version.current()).doesNotContain("${");
    }

    @Test
    void help_lists_every_setting_with_its_default_and_meaning() {
        assertThat(run("--help")).isZero();

        assertThat(printed(out)).contains("--version", "--help");
        assertThat(Settings.ALL)
                .allSatisfy(setting -> assertThat(printed(out))
                        .contains(setting.name())
                        .contains(setting.defaultValue())
                        .contains(setting.meaning()));
        assertThat(Settings.ALL).extracting(Setting::name).hasSizeGreaterThan(30);
    }

    @Test
    void an_unknown_argument_is_a_usage_error_with_the_help() {
        assertThat(run("--verbose")).isEqualTo(2);

        assertThat(printed(out)).isEmpty();
        assertThat(printed(err)).contains("unknown arguments --verbose", "Usage:", "BATCHCALL_PORT");
    }
}
