package io.batchcall.support;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** The extension behind {@link WithServer}. */
public final class ServerExtension implements BeforeAllCallback, AfterAllCallback {
    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(ServerExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) throws IllegalAccessException {
        var testClass = context.getRequiredTestClass();
        var annotation = testClass.getAnnotation(WithServer.class);
        var env = new HashMap<String, String>();
        for (var setting : annotation.env()) {
            int equals = setting.indexOf('=');
            if (equals < 1) {
                throw new IllegalArgumentException("@WithServer env entries are NAME=value: " + setting);
            }
            env.put(setting.substring(0, equals), setting.substring(equals + 1));
        }
        var field = serverField(testClass);
        var server = TestServer.start(env, List.of());
        context.getStore(NAMESPACE).put(TestServer.class, server);
        field.set(null, server);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        var server = context.getStore(NAMESPACE).remove(TestServer.class, TestServer.class);
        if (server != null) {
            server.close();
        }
    }

    private static Field serverField(Class<?> testClass) {
        var fields = Arrays.stream(testClass.getDeclaredFields())
                .filter(f -> f.getType() == TestServer.class && Modifier.isStatic(f.getModifiers()))
                .toList();
        if (fields.size() != 1) {
            throw new IllegalStateException(testClass.getSimpleName()
                    + " needs exactly one static TestServer field for @WithServer, has " + fields.size());
        }
        var field = fields.getFirst();
        field.setAccessible(true);
        return field;
    }
}
