package io.batchcall.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.reflect.RecordComponent;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The bridge scenario's other process: batchcall's media bridges and nothing else, so that its CPU time (read from
 * /proc by the harness) is the bridges' alone, the fake callers and agents running in the harness. It loads the
 * server jar's classes (see {@link ServerClasses}) and follows commands on stdin, answering on stdout with lines
 * that start {@value #PREFIX} (the jar's own log goes to stdout too):
 *
 * <pre>
 * open N           -> "BRIDGE offer I BASE64-SDP" for each call, then "BRIDGE opened"
 * start URL        then N lines of BASE64-SDP answers -> "BRIDGE started"
 * stop             -> "BRIDGE counters NAME=VALUE..." summed over the calls, "BRIDGE ended-early K", then exits
 * </pre>
 */
public final class BridgeHost {
    static final String PREFIX = "BRIDGE ";
    /** Far from the server tests' ports (41000-41999), which another build on this machine may be using. */
    static final int FIRST_PORT = 44_000;

    static final int LAST_PORT = 47_999;

    private BridgeHost() {}

    public static void main(String[] args) throws Exception {
        var classes = new ServerClasses(Path.of(args[0]));
        var configType = classes.type("io.batchcall.config.MediaConfig");
        var portsType = classes.type("io.batchcall.telephony.media.MediaPorts");
        var bridgeType = classes.type("io.batchcall.telephony.media.MediaBridge");
        var targetType = classes.type("io.batchcall.telephony.media.MediaBridge$AgentTarget");
        var config = ServerClasses.construct(configType,
                new Class<?>[] {String.class, int.class, int.class, int.class, Duration.class},
                "127.0.0.1", FIRST_PORT, LAST_PORT, 5, Duration.ofSeconds(30));
        var ports = ServerClasses.construct(portsType, new Class<?>[] {configType}, config);
        var open = ServerClasses.method(bridgeType, "open", portsType, boolean.class, SecureRandom.class);
        var offer = ServerClasses.method(bridgeType, "offer", long.class);
        var start = ServerClasses.method(bridgeType, "start", String.class, targetType, Consumer.class);
        var stop = ServerClasses.method(bridgeType, "stop");
        var counters = ServerClasses.method(bridgeType, "counters");
        var random = new SecureRandom();
        var bridges = new ArrayList<Object>();
        var endedEarly = new AtomicInteger();
        var in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            var words = line.split(" ");
            switch (words[0]) {
                case "open" -> {
                    int calls = Integer.parseInt(words[1]);
                    for (int i = 0; i < calls; i++) {
                        var bridge = ServerClasses.invoke(open, null, ports, true, random);
                        bridges.add(bridge);
                        var sdp = ServerClasses.invoke(offer, bridge, (long) i + 1);
                        var text = (String) ServerClasses.invoke(ServerClasses.method(sdp.getClass(), "text"), sdp);
                        say("offer " + i + " " + encode(text));
                    }
                    say("opened");
                }
                case "start" -> {
                    var url = URI.create(words[1]);
                    var answers = new ArrayList<String>();
                    for (int i = 0; i < bridges.size(); i++) {
                        answers.add(new String(Base64.getDecoder().decode(in.readLine()), StandardCharsets.UTF_8));
                    }
                    for (int i = 0; i < bridges.size(); i++) {
                        var target = ServerClasses.construct(targetType,
                                new Class<?>[] {URI.class, String.class, Map.class}, url, "call-" + i, Map.of());
                        Consumer<Object> onEnd = reason -> {
                            if (!reason.toString().equals("STOPPED")) {
                                endedEarly.incrementAndGet();
                                System.err.println("bridge call-ended " + reason);
                            }
                        };
                        ServerClasses.invoke(start, bridges.get(i), answers.get(i), target, onEnd);
                    }
                    say("started");
                }
                case "stop" -> {
                    var sums = new java.util.LinkedHashMap<String, Long>();
                    for (var bridge : bridges) {
                        var record = ServerClasses.invoke(counters, bridge);
                        for (RecordComponent component : record.getClass().getRecordComponents()) {
                            long value = (Long) ServerClasses.invoke(component.getAccessor(), record);
                            sums.merge(component.getName(), value, Long::sum);
                        }
                        ServerClasses.invoke(stop, bridge);
                    }
                    var text = new StringBuilder("counters");
                    sums.forEach((name, value) -> text.append(' ').append(name).append('=').append(value));
                    say(text.toString());
                    say("ended-early " + endedEarly.get());
                    System.exit(0);
                }
                default -> throw new IllegalArgumentException("unknown command " + line);
            }
        }
    }

    static String encode(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static void say(String line) {
        synchronized (System.out) {
            System.out.println(PREFIX + line);
            System.out.flush();
        }
    }
}
