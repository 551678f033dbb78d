package io.batchcall.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FakeAgentServerTest {
    @Test
    void the_accept_key_is_rfc_6455s_own_example() {
        assertThat(FakeAgentServer.acceptKey("dGhlIHNhbXBsZSBub25jZQ==")).isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

    @Test
    void the_jdks_websocket_client_talks_to_it_in_short_long_and_fragmented_messages() throws Exception {
        var heard = new LinkedBlockingQueue<String>();
        try (var server = new FakeAgentServer(connection -> (text, c) -> c.sendText("echo " + text));
             var client = HttpClient.newHttpClient()) {
            var socket = client.newWebSocketBuilder().buildAsync(server.url(), new WebSocket.Listener() {
                private final StringBuilder message = new StringBuilder();

                @Override
                public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                    message.append(data);
                    if (last) {
                        heard.add(message.toString());
                        message.setLength(0);
                    }
                    webSocket.request(1);
                    return null;
                }
            }).get(10, TimeUnit.SECONDS);
            var large = "x".repeat(70_000);

            socket.sendText("hello", true).get(10, TimeUnit.SECONDS);
            socket.sendText("a".repeat(300), true).get(10, TimeUnit.SECONDS);
            socket.sendText(large, true).get(10, TimeUnit.SECONDS);
            socket.sendText("frag", false).thenCompose(ws -> ws.sendText("mented", true)).get(10, TimeUnit.SECONDS);

            assertThat(heard.poll(10, TimeUnit.SECONDS)).isEqualTo("echo hello");
            assertThat(heard.poll(10, TimeUnit.SECONDS)).isEqualTo("echo " + "a".repeat(300));
            assertThat(heard.poll(10, TimeUnit.SECONDS)).isEqualTo("echo " + large);
            assertThat(heard.poll(10, TimeUnit.SECONDS)).isEqualTo("echo fragmented");
            CompletableFuture<WebSocket> closed = socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
            closed.get(10, TimeUnit.SECONDS);
        }
    }
}
