package io.batchcall.support;

import static io.batchcall.support.Body.array;
import static io.batchcall.support.Body.object;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class BodyTest {
    @Test
    void a_body_is_the_compact_json_a_hand_written_string_would_have_been() {
        var body = object().field("name", "Ann \"the\" caller")
                .field("tags", array("a", 3, true, null))
                .field("conversation_config", object("agent", object("first_message", "Hallo Köln")))
                .field("balance", new BigDecimal("12.50"))
                .field("ratio", 1.5)
                .field("big", 4102444800L)
                .field("sip_uri", null)
                .field("empty", array());

        assertThat(body.toString())
                .isEqualTo("{\"name\":\"Ann \\\"the\\\" caller\",\"tags\":[\"a\",3,true,null],"
                        + "\"conversation_config\":{\"agent\":{\"first_message\":\"Hallo Köln\"}},"
                        + "\"balance\":12.50,\"ratio\":1.5,\"big\":4102444800,\"sip_uri\":null,\"empty\":[]}");
    }

    @Test
    void keys_stay_in_the_order_given_and_a_body_equals_a_parsed_object_with_the_same_fields() {
        var parsed = new HttpResult(200, null, "{\"b\":1,\"a\":[\"x\"]}").json();

        assertThat(object("b", 1, "a", array("x")).toString()).isEqualTo("{\"b\":1,\"a\":[\"x\"]}");
        assertThat(parsed).isEqualTo(object("b", 1, "a", array("x")));
    }

    @Test
    void a_missing_value_a_key_given_twice_or_a_value_json_cannot_hold_is_refused() {
        assertThatThrownBy(() -> object("name")).hasMessageContaining("pairs");
        assertThatThrownBy(() -> object("name", "a", "name", "b")).hasMessageContaining("twice: name");
        assertThatThrownBy(() -> object(1, "a")).hasMessageContaining("should be a key");
        assertThatThrownBy(() -> array(new Object())).hasMessageContaining("not a JSON value");
    }
}
