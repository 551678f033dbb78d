package io.batchcall.config;

/** One environment variable batchcall reads: its name, its default as shown to people, and what it does. */
public record Setting(String name, String defaultValue, String meaning) {
    public Setting {
        if (!name.startsWith("BATCHCALL_")) {
            throw new IllegalArgumentException("setting names start with BATCHCALL_: " + name);
        }
    }
}
