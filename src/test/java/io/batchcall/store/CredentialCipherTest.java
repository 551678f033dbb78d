package io.batchcall.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.batchcall.support.TestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CredentialCipherTest {

    @Test
    void a_credential_decrypts_to_what_was_encrypted_and_is_not_stored_in_clear() {
        var cipher = new CredentialCipher(new byte[32]);
        var secret = "twilio-auth-token-123".getBytes(StandardCharsets.UTF_8);

        var sealed = cipher.encrypt(secret);

        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("twilio-auth-token");
        assertThat(cipher.decrypt(sealed)).isEqualTo(secret);
    }

    @Test
    void the_same_credential_encrypts_differently_each_time() {
        var cipher = new CredentialCipher(new byte[32]);
        var secret = "same".getBytes(StandardCharsets.UTF_8);

        assertThat(cipher.encrypt(secret)).isNotEqualTo(cipher.encrypt(secret));
    }

    @Test
    void an_altered_value_or_another_key_fails_loudly() {
        var sealed = new CredentialCipher(new byte[32]).encrypt("token".getBytes(StandardCharsets.UTF_8));
        var altered = sealed.clone();
        altered[altered.length - 1] ^= 1;
        var otherKey = new byte[32];
        otherKey[0] = 1;

        assertThatThrownBy(() -> new CredentialCipher(new byte[32]).decrypt(altered))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("BATCHCALL_SECRET_KEY");
        assertThatThrownBy(() -> new CredentialCipher(otherKey).decrypt(sealed))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void without_a_configured_key_one_is_generated_once_with_owner_only_permissions() throws Exception {
        var dataDirectory = TestServer.tempDirectory();

        var first = CredentialCipher.fromConfiguredOrStoredKey(Optional.empty(), dataDirectory);
        var keyFile = dataDirectory.resolve(CredentialCipher.KEY_FILE);
        var keyText = Files.readString(keyFile);
        var second = CredentialCipher.fromConfiguredOrStoredKey(Optional.empty(), dataDirectory);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)))
                .isEqualTo("rw-------");
        assertThat(Files.readString(keyFile)).isEqualTo(keyText);
        var sealed = first.encrypt("kept across restarts".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(second.decrypt(sealed), StandardCharsets.UTF_8)).isEqualTo("kept across restarts");
    }
}
