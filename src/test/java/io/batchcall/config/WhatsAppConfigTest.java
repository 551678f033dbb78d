package io.batchcall.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WhatsAppConfigTest {
    @Test
    void unset_whatsapp_settings_call_metas_graph_api_v23_and_wait_seven_days_for_a_permission() {
        assertThat(Config.fromEnvironment(Map.of()).whatsapp()).isEqualTo(WhatsAppConfig.defaults());
        assertThat(WhatsAppConfig.defaults())
                .isEqualTo(new WhatsAppConfig("https://graph.facebook.com", "v23.0", Duration.ofDays(7)));
    }

    @Test
    void the_graph_url_version_and_permission_wait_are_read_from_the_environment() {
        var config = Config.fromEnvironment(Map.of(
                        "BATCHCALL_WHATSAPP_GRAPH_URL", "http://127.0.0.1:9999",
                        "BATCHCALL_WHATSAPP_GRAPH_VERSION", "v24.0",
                        "BATCHCALL_WHATSAPP_PERMISSION_WAIT", "PT12H"))
                .whatsapp();

        assertThat(config).isEqualTo(new WhatsAppConfig("http://127.0.0.1:9999", "v24.0", Duration.ofHours(12)));
    }

    @Test
    void a_bad_version_and_a_wait_beyond_metas_seven_days_are_both_reported() {
        var failure = catchThrowableOfType(
                ConfigException.class,
                () -> Config.fromEnvironment(Map.of(
                        "BATCHCALL_WHATSAPP_GRAPH_VERSION", "23",
                        "BATCHCALL_WHATSAPP_PERMISSION_WAIT", "P8D")));

        assertThat(failure.problems())
                .anySatisfy(p -> assertThat(p).contains("BATCHCALL_WHATSAPP_GRAPH_VERSION"))
                .anySatisfy(p -> assertThat(p).contains("BATCHCALL_WHATSAPP_PERMISSION_WAIT", "P7D"));
    }
}
