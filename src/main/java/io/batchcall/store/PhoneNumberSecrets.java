package io.batchcall.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A number's secrets as they are stored: a JSON map of strings sealed with the {@link CredentialCipher}. One
 * place seals and opens them, so that the plain map never reaches SQL and an unreadable one always fails alike.
 */
final class PhoneNumberSecrets {
    /** Credentials are a flat map of strings: a plain mapper, apart from the API's, is all they need. */
    private static final ObjectMapper CREDENTIALS_JSON = new ObjectMapper();

    private static final TypeReference<Map<String, String>> SECRETS = new TypeReference<>() {};

    private final CredentialCipher cipher;

    PhoneNumberSecrets(CredentialCipher cipher) {
        this.cipher = cipher;
    }

    byte[] seal(Map<String, String> secrets) {
        if (secrets.isEmpty()) {
            return null;
        }
        try {
            return cipher.encrypt(CREDENTIALS_JSON.writeValueAsBytes(secrets));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of strings is always JSON", e);
        }
    }

    Map<String, String> open(byte[] sealed) {
        try {
            return CREDENTIALS_JSON.readValue(new String(cipher.decrypt(sealed), StandardCharsets.UTF_8), SECRETS);
        } catch (JsonProcessingException | IllegalStateException e) {
            throw new PhoneNumberStore.UnreadableCredentials();
        }
    }
}
