package io.batchcall.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class SettingsTest {

    /** An environment that remembers every name Config asks it for. */
    private static final class RecordingEnvironment extends HashMap<String, String> {
        private static final long serialVersionUID = 1L;
        final transient Set<String> read = new TreeSet<>();

        @Override
        public String get(Object key) {
            read.add((String) key);
            return super.get(key);
        }
    }

    private static Set<String> documentedNames() {
        return Settings.ALL.stream().map(Setting::name).collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void the_settings_list_names_exactly_the_variables_config_reads() {
        var environment = new RecordingEnvironment();
        Config.fromEnvironment(environment);

        assertThat(documentedNames()).isEqualTo(environment.read);
    }

    @Test
    void every_setting_is_named_once() {
        assertThat(Settings.ALL).extracting(Setting::name).doesNotHaveDuplicates();
    }

    @Test
    void the_help_table_shows_every_setting_with_its_default() {
        var table = Settings.table();

        assertThat(Settings.ALL)
                .allSatisfy(setting -> assertThat(table)
                        .containsPattern("(?m)^  " + setting.name() + " +\\Q" + setting.defaultValue() + "\\E +\\S"));
    }

    @Test
    void the_readme_documents_every_setting() throws IOException {
        var readme = Files.readString(Path.of("README.md"));

        assertThat(Settings.ALL)
                .allSatisfy(setting -> assertThat(readme)
                        .contains(
                                setting.name().replaceFirst("^BATCHCALL_(RATE_LIMIT_[A-Z_]+)_BURST$", "BATCHCALL_$1")));
    }
}
