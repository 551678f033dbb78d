package io.batchcall.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;

/**
 * Scenario bridge (issue 19): {@code bridgeCalls} calls bridged at once by batchcall's media bridge, each between a
 * fake caller (SRTP with SDES keys, PCMU, a 20 ms packet every 20 ms on loopback UDP) and a fake agent speaking
 * Twilio's Media Streams on a WebSocket, which answers every caller frame with a frame of its own. The bridges run
 * in a process of their own ({@link BridgeHost}), so the CPU the harness reads from /proc for it over the steady
 * window is theirs alone: bridged calls per core = calls / cores busy. Every frame is stamped ({@link AudioStamp})
 * so the latency the bridge adds is measured per direction: caller packet sent to agent {@code media} received,
 * agent {@code media} sent to caller packet received. Both ends share this process's clock.
 */
final class BridgeScenario {
    /** Frames in one turn of the agent's speech (and in the pause after it): half a second. */
    private static final int TURN_FRAMES = 25;

    /**
     * Before the window: the bridge process's JIT compiles the packet path (its compiler threads' CPU would
     * otherwise be counted as the bridges'). Half the window, at least 3 s.
     */
    private static final Duration MIN_WARM_UP = Duration.ofSeconds(3);
    private static final Duration REPLY_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern MEDIA_PORT = Pattern.compile("m=audio (\\d+) ");
    private static final Pattern CONNECTION = Pattern.compile("c=IN IP4 ([0-9.]+)");
    private static final Pattern INLINE = Pattern.compile("inline:([^\\r\\n|]+)");

    private final Path serverJar;
    private final Path workDirectory;
    private final Sizes sizes;

    BridgeScenario(Path serverJar, Path workDirectory, Sizes sizes) {
        this.serverJar = serverJar;
        this.workDirectory = workDirectory;
        this.sizes = sizes;
    }

    /**
     * Only this scenario: {@code java -cp bench/target/batchcall-bench.jar io.batchcall.bench.BridgeScenario
     * SERVER_JAR [CALLS [SECONDS]]}, for work on the bridge without the rest of the run.
     */
    public static void main(String[] args) throws IOException {
        var overrides = new LinkedHashMap<String, Long>();
        if (args.length > 1) {
            overrides.put("bridge-calls", Long.parseLong(args[1]));
        }
        if (args.length > 2) {
            overrides.put("bridge-secs", Long.parseLong(args[2]));
        }
        var work = java.nio.file.Files.createTempDirectory("batchcall-bridge");
        var result = new BridgeScenario(Path.of(args[0]), work, Sizes.of(Sizes.values(true, overrides))).run();
        result.figures().forEach(f -> System.out.printf("%-28s %10.2f %s%n", f.measure(), f.value(), f.unit()));
        System.out.println(result.details());
        System.out.println("bridge log: " + work.resolve("bridge.log"));
        System.exit(0);
    }

    record Result(int calls, Duration window, double bridgeCores, double fakesCores, Latencies callerToAgent,
                  Latencies agentToCaller, long framesToAgent, long framesToCaller, Map<String, Long> counters,
                  int endedEarly) {

        double callsPerCore() {
            return bridgeCores <= 0 ? Double.NaN : calls / bridgeCores;
        }

        List<Figure> figures() {
            return List.of(
                    Figure.of("bridge", "bridged calls per core", "", callsPerCore()),
                    Figure.of("bridge", "CPU per bridged call", "% core", 100 * bridgeCores / calls),
                    Figure.of("bridge", "caller to agent p50", "ms", callerToAgent.p50()),
                    Figure.of("bridge", "caller to agent p99", "ms", callerToAgent.p99()),
                    Figure.of("bridge", "agent to caller p50", "ms", agentToCaller.p50()),
                    Figure.of("bridge", "agent to caller p99", "ms", agentToCaller.p99()));
        }

        Map<String, Object> details() {
            var details = new LinkedHashMap<String, Object>();
            details.put("calls", calls);
            details.put("window_seconds", window.toMillis() / 1000.0);
            details.put("bridge_process_cores", bridgeCores);
            details.put("fakes_cores", fakesCores);
            // Bridge and fakes share this machine: near all its cores, the latencies measure the queue for a CPU.
            details.put("machine_saturated",
                    bridgeCores + fakesCores > 0.8 * Runtime.getRuntime().availableProcessors());
            // Other processes' load is not in either figure but starves both: the load average shows it.
            details.put("load_average_1m", Bench.loadAverage());
            details.put("bridged_calls_per_core", callsPerCore());
            details.put("caller_to_agent_ms", callerToAgent);
            details.put("agent_to_caller_ms", agentToCaller);
            details.put("frames_to_agent_in_window", framesToAgent);
            details.put("frames_to_caller_in_window", framesToCaller);
            details.put("bridge_counters", counters);
            details.put("calls_ended_early", endedEarly);
            return details;
        }
    }

    Result run() {
        int calls = sizes.bridgeCalls();
        var window = sizes.bridgeWindow();
        var warmUp = window.dividedBy(2).compareTo(MIN_WARM_UP) > 0 ? window.dividedBy(2) : MIN_WARM_UP;
        int capacity = Math.toIntExact((warmUp.toSeconds() + window.toSeconds() + 60) * 50);
        var run = new Run(calls, capacity);
        try (var classes = new ServerClasses(serverJar);
             var agents = new FakeAgentServer(connection -> run.new AgentSession(connection));
             var host = Host.start(serverJar, workDirectory)) {
            var srtp = new Srtp(classes);
            host.send("open " + calls);
            var callers = new ArrayList<FakeCaller>();
            for (int i = 0; i < calls; i++) {
                var offer = host.expect("offer " + i + " ");
                var sdp = new String(Base64.getDecoder().decode(offer), StandardCharsets.UTF_8);
                callers.add(new FakeCaller(i, sdp, srtp, run));
            }
            host.expect("opened");
            host.send("start " + agents.url());
            for (var caller : callers) {
                host.send(BridgeHost.encode(caller.answer()));
            }
            host.expect("started");
            callers.forEach(FakeCaller::start);
            if (!run.streamsStarted.await(REPLY_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException("only " + (calls - run.streamsStarted.getCount()) + " of " + calls
                        + " agent streams started");
            }
            Pause.of(warmUp);
            var fakesCpu = fakesCpuNanos();
            var bridgeCpu = ProcessCpu.of(host.pid());
            long started = System.nanoTime();
            run.measuring = true;
            Pause.of(window);
            run.measuring = false;
            long elapsed = System.nanoTime() - started;
            double bridgeCores = ProcessCpu.of(host.pid()).minus(bridgeCpu).toNanos() / (double) elapsed;
            double fakesCores = (fakesCpuNanos() - fakesCpu) / (double) elapsed;
            host.send("stop");
            var counters = new LinkedHashMap<String, Long>();
            for (var pair : host.expect("counters").strip().split(" ")) {
                if (pair.contains("=")) {
                    counters.put(pair.substring(0, pair.indexOf('=')),
                            Long.parseLong(pair.substring(pair.indexOf('=') + 1)));
                }
            }
            int endedEarly = Integer.parseInt(host.expect("ended-early ").strip());
            callers.forEach(FakeCaller::close);
            var toAgent = new ArrayList<>(run.callerToAgent);
            var toCaller = new ArrayList<>(run.agentToCaller);
            if (toAgent.isEmpty() || toCaller.isEmpty()) {
                throw new IllegalStateException("no stamped audio crossed the bridge: " + toAgent.size()
                        + " frames reached the agents, " + toCaller.size() + " the callers; counters " + counters);
            }
            return new Result(calls, Duration.ofNanos(elapsed), bridgeCores, fakesCores, Latencies.of(toAgent),
                    Latencies.of(toCaller), toAgent.size(), toCaller.size(), counters, endedEarly);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The harness's own CPU: the fakes' work, reported beside the bridge's so that a starved run shows. */
    private static long fakesCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime()
                : 0;
    }

    /** What both sides share: when each stamped frame was sent, and the latencies measured in the window. */
    static final class Run {
        final AtomicLongArray[] callerSent;
        final AtomicLongArray[] agentSent;
        final ConcurrentLinkedQueue<Double> callerToAgent = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Double> agentToCaller = new ConcurrentLinkedQueue<>();
        final CountDownLatch streamsStarted;
        volatile boolean measuring;

        Run(int calls, int capacity) {
            callerSent = new AtomicLongArray[calls];
            agentSent = new AtomicLongArray[calls];
            for (int i = 0; i < calls; i++) {
                callerSent[i] = new AtomicLongArray(capacity);
                agentSent[i] = new AtomicLongArray(capacity);
            }
            streamsStarted = new CountDownLatch(calls);
        }

        void received(AudioStamp stamp, AtomicLongArray[] sent, ConcurrentLinkedQueue<Double> into, long now) {
            if (!measuring || stamp.call() < 0 || stamp.call() >= sent.length) {
                return;
            }
            var times = sent[stamp.call()];
            if (stamp.packet() >= 0 && stamp.packet() < times.length()) {
                long at = times.get(stamp.packet());
                if (at != 0) {
                    into.add((now - at) / 1e6);
                }
            }
        }

        /** The agent of one call: records the caller's frames, answers each with a stamped frame of its own. */
        final class AgentSession implements FakeAgentServer.Session {
            private final FakeAgentServer.Connection connection;
            private int call = -1;
            private String streamSid = "";

            /**
             * The agent speaks in real time, a 20 ms frame every 20 ms as a speech engine streams a reply, in turns
             * of half a second with half a second of quiet between: the bridge plays agent audio out at exactly
             * real time, so a stall of its sender leaves a backlog that only a pause in the agent's speech drains,
             * as in a conversation. Without pauses one early stall would be measured as latency for the rest of
             * the run.
             */
            private void speak() {
                var times = agentSent[call];
                var pacer = new Pacer();
                for (int packet = 0, tick = 0; packet < times.length(); tick++) {
                    pacer.await();
                    if (tick % (2 * TURN_FRAMES) >= TURN_FRAMES) {
                        continue;
                    }
                    var frame = new AudioStamp(call, packet).frame();
                    var text = "{\"event\":\"media\",\"streamSid\":\"" + streamSid + "\",\"media\":{\"payload\":\""
                            + Base64.getEncoder().encodeToString(frame) + "\"}}";
                    times.set(packet++, System.nanoTime());
                    try {
                        connection.sendText(text);
                    } catch (IOException e) {
                        return; // the bridge hung up
                    }
                }
            }

            AgentSession(FakeAgentServer.Connection connection) {
                this.connection = connection;
            }

            @Override
            public void onText(String text, FakeAgentServer.Connection ignored) throws IOException {
                long now = System.nanoTime();
                var message = ApiClient.JSON.readTree(text);
                switch (message.path("event").asText()) {
                    case "start" -> {
                        call = Integer.parseInt(message.at("/start/callSid").asText().substring("call-".length()));
                        streamSid = message.path("streamSid").asText();
                        streamsStarted.countDown();
                        Thread.ofVirtual().name("agent-out-" + call).start(this::speak);
                    }
                    case "media" -> {
                        var payload = Base64.getDecoder().decode(message.at("/media/payload").asText());
                        AudioStamp.read(payload).ifPresent(stamp -> received(stamp, callerSent, callerToAgent, now));
                    }
                    default -> {
                        // connected, mark, stop: nothing to measure
                    }
                }
            }
        }
    }

    /** The server jar's SRTP, as the callers use it: their keys, protect, unprotect. */
    static final class Srtp {
        final Method generate;
        final Method ofInline;
        final Method inline;
        final Method protect;
        final Method unprotect;
        final Method payload;
        final Class<?> keysType;
        final Class<?> contextType;
        final Class<?> packetType;

        Srtp(ServerClasses classes) {
            keysType = classes.type("io.batchcall.telephony.media.SrtpKeys");
            contextType = classes.type("io.batchcall.telephony.media.SrtpContext");
            packetType = classes.type("io.batchcall.telephony.media.RtpPacket");
            generate = ServerClasses.method(keysType, "generate", SecureRandom.class);
            ofInline = ServerClasses.method(keysType, "ofInline", String.class);
            inline = ServerClasses.method(keysType, "inline");
            protect = ServerClasses.method(contextType, "protect", packetType);
            unprotect = ServerClasses.method(contextType, "unprotect", byte[].class, int.class);
            payload = ServerClasses.method(packetType, "payload");
        }

        Object context(Object keys) {
            return ServerClasses.construct(contextType, new Class<?>[] {keysType}, keys);
        }

        byte[] protect(Object context, int sequence, long timestamp, long ssrc, byte[] frame) {
            var packet = ServerClasses.construct(packetType,
                    new Class<?>[] {boolean.class, int.class, int.class, long.class, long.class, byte[].class},
                    sequence == 0, 0, sequence & 0xFFFF, timestamp & 0xFFFF_FFFFL, ssrc, frame);
            return (byte[]) ServerClasses.invoke(protect, context, packet);
        }

        Optional<byte[]> unprotect(Object context, byte[] data, int length) {
            var packet = (Optional<?>) ServerClasses.invoke(unprotect, context, data, length);
            return packet.map(p -> (byte[]) ServerClasses.invoke(payload, p));
        }
    }

    /** One caller: a UDP socket, its SRTP keys, a sender every 20 ms and a receiver. */
    static final class FakeCaller {
        private static final SecureRandom RANDOM = new SecureRandom();

        final int call;
        final DatagramSocket socket;
        final InetSocketAddress bridge;
        final Object ourKeys;
        final Object sendContext;
        final Object receiveContext;
        final Srtp srtp;
        final Run run;
        private final List<Thread> threads = new ArrayList<>();

        FakeCaller(int call, String offer, Srtp srtp, Run run) throws IOException {
            this.call = call;
            this.srtp = srtp;
            this.run = run;
            this.socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
            this.bridge = new InetSocketAddress(match(CONNECTION, offer), Integer.parseInt(match(MEDIA_PORT, offer)));
            this.ourKeys = ServerClasses.invoke(srtp.generate, null, RANDOM);
            this.sendContext = srtp.context(ourKeys);
            this.receiveContext = srtp.context(ServerClasses.invoke(srtp.ofInline, null, match(INLINE, offer)));
        }

        private static String match(Pattern pattern, String sdp) {
            var matcher = pattern.matcher(sdp);
            if (!matcher.find()) {
                throw new IllegalStateException("the bridge's offer has no " + pattern + ": " + sdp);
            }
            return matcher.group(1);
        }

        String answer() {
            return "v=0\r\no=caller 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                    + "m=audio " + socket.getLocalPort() + " RTP/SAVP 0 101\r\n"
                    + "a=rtpmap:101 telephone-event/8000\r\n"
                    + "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + ServerClasses.invoke(srtp.inline, ourKeys)
                    + "\r\n";
        }

        void start() {
            threads.add(Thread.ofVirtual().name("caller-out-" + call).start(this::send));
            threads.add(Thread.ofVirtual().name("caller-in-" + call).start(this::receive));
        }

        private void send() {
            long ssrc = RANDOM.nextInt() & 0xFFFF_FFFFL;
            var times = run.callerSent[call];
            var pacer = new Pacer();
            for (int packet = 0; packet < times.length() && !socket.isClosed(); packet++) {
                pacer.await();
                var bytes = srtp.protect(sendContext, packet, 160L * packet, ssrc,
                        new AudioStamp(call, packet).frame());
                times.set(packet, System.nanoTime());
                try {
                    socket.send(new DatagramPacket(bytes, bytes.length, bridge));
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void receive() {
            var buffer = new byte[2_048];
            var datagram = new DatagramPacket(buffer, buffer.length);
            while (!socket.isClosed()) {
                try {
                    datagram.setLength(buffer.length);
                    socket.receive(datagram);
                } catch (IOException e) {
                    return;
                }
                long now = System.nanoTime();
                srtp.unprotect(receiveContext, buffer, datagram.getLength())
                        .flatMap(AudioStamp::read)
                        .ifPresent(stamp -> run.received(stamp, run.agentSent, run.agentToCaller, now));
            }
        }

        void close() {
            socket.close();
            threads.forEach(Thread::interrupt);
        }
    }

    /**
     * Paces a sender at one 20 ms frame every 20 ms, starting at a random phase (real calls are not all on one
     * tick). A sender that fell behind (this machine is shared) goes on from now rather than sending a burst.
     */
    static final class Pacer {
        private static final long INTERVAL = Duration.ofMillis(20).toNanos();
        private long next = System.nanoTime() + java.util.concurrent.ThreadLocalRandom.current().nextLong(INTERVAL);

        void await() {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            } else if (wait < -INTERVAL) {
                next = System.nanoTime();
            }
            next += INTERVAL;
        }
    }

    /** The bridge process and its command lines. */
    static final class Host implements AutoCloseable {
        private final Process process;
        private final Writer commands;
        private final LinkedBlockingQueue<String> replies = new LinkedBlockingQueue<>();

        private Host(Process process) {
            this.process = process;
            this.commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            Thread.ofPlatform().daemon().name("bridge-host-out").start(() -> {
                try (var out = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = out.readLine()) != null) {
                        if (line.startsWith(BridgeHost.PREFIX)) {
                            replies.add(line.substring(BridgeHost.PREFIX.length()));
                        }
                    }
                } catch (IOException e) {
                    // the process ended
                }
            });
        }

        static Host start(Path serverJar, Path workDirectory) throws IOException {
            Path benchJar;
            try {
                benchJar = Path.of(BridgeHost.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            } catch (URISyntaxException e) {
                throw new IllegalStateException(e);
            }
            var builder = new ProcessBuilder(ServerProcess.javaBinary().toString(), "-cp", benchJar.toString(),
                    BridgeHost.class.getName(), serverJar.toAbsolutePath().toString())
                    .redirectError(workDirectory.resolve("bridge.log").toFile());
            return new Host(builder.start());
        }

        long pid() {
            return process.pid();
        }

        void send(String line) throws IOException {
            commands.write(line + "\n");
            commands.flush();
        }

        /** The next reply, which must start with {@code start}; returns the rest of it. */
        String expect(String start) throws InterruptedException {
            var reply = replies.poll(REPLY_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            if (reply == null) {
                throw new IllegalStateException("the bridge process did not answer (" + start.strip()
                        + ") within " + REPLY_TIMEOUT + (process.isAlive() ? "" : "; it exited " + process.exitValue())
                        + "; see bridge.log with --keep");
            }
            if (!reply.startsWith(start)) {
                throw new IllegalStateException("the bridge process answered '" + reply + "', not " + start.strip());
            }
            return reply.substring(start.length());
        }

        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
