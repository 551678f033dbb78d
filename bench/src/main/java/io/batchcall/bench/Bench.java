package io.batchcall.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The composition root: reads the options, starts batchcall, runs every scenario and both baselines in a fixed
 * order, prints the table and writes the JSON. Exits 0 when the run completed, whatever the targets; 1 when the
 * harness itself could not run (the server did not start, a request failed, a batch did not complete).
 */
public final class Bench {
    private static final String USAGE = """
            usage: java -jar batchcall-bench.jar --server-jar PATH [--quick] [--results DIR] [--server-heap SIZE]
                                                 [--server-jvm-args ARGS] [--keep] [--statement-stats]
                                                 [--SIZE-NAME=N ...]
              --server-jar   the batchcall jar to measure (bench/run builds it)
              --quick        every scenario small (CI); the default is the full run
              --results      where the JSON and the HTML report go (default bench/results)
              --server-heap  the server's -Xmx (default: the JVM's own default)
              --server-jvm-args  more JVM options for the server, split on spaces (e.g. a JFR recording:
                             -XX:StartFlightRecording=filename=/tmp/server.jfr,settings=profile)
              --keep         keep the server's data directory and log
              --statement-stats  the server's database loads pg_stat_statements; each scenario's most
                             expensive statements (calls, time, blocks, WAL) are printed and kept in the JSON
              size names:    %s
                             (--curve-points=N: the first N sizes of each curve; 1 keeps the scenarios' own)
            """;

    private Bench() {}

    public static void main(String[] args) {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage());
            System.err.printf(USAGE, String.join(", ", new java.util.TreeSet<>(Sizes.NAMES.keySet())));
            System.exit(2);
            return;
        }
        try {
            run(options);
        } catch (RuntimeException e) {
            System.err.println("bench: the harness failed: " + e);
            e.printStackTrace(System.err);
            System.exit(1);
        }
        System.exit(0);
    }

    record Options(Path serverJar, boolean quick, Path results, Optional<String> serverHeap,
                   java.util.List<String> serverJvmArgs, boolean keep, boolean statementStats,
                   Map<String, Long> sizes) {
        static Options parse(String[] args) {
            Path jar = null;
            boolean quick = false;
            boolean keep = false;
            boolean statementStats = false;
            Path results = Path.of("bench", "results");
            Optional<String> heap = Optional.empty();
            var jvmArgs = new ArrayList<String>();
            var overrides = new LinkedHashMap<String, Long>();
            for (int i = 0; i < args.length; i++) {
                var arg = args[i];
                switch (arg) {
                    case "--quick" -> quick = true;
                    case "--keep" -> keep = true;
                    case "--statement-stats" -> statementStats = true;
                    case "--server-jar" -> jar = Path.of(value(args, ++i, arg));
                    case "--results" -> results = Path.of(value(args, ++i, arg));
                    case "--server-heap" -> heap = Optional.of(value(args, ++i, arg));
                    case "--server-jvm-args" -> jvmArgs.addAll(java.util.Arrays.stream(
                            value(args, ++i, arg).split(" ")).filter(a -> !a.isBlank()).toList());
                    default -> {
                        if (!arg.startsWith("--") || !arg.contains("=")) {
                            throw new IllegalArgumentException("unknown argument " + arg);
                        }
                        var name = arg.substring(2, arg.indexOf('='));
                        try {
                            overrides.put(name, Long.parseLong(arg.substring(arg.indexOf('=') + 1)));
                        } catch (NumberFormatException e) {
                            throw new IllegalArgumentException(arg + ": not a whole number");
                        }
                    }
                }
            }
            if (jar == null || !Files.isRegularFile(jar)) {
                throw new IllegalArgumentException("--server-jar must name the batchcall jar");
            }
            return new Options(jar, quick, results, heap, java.util.List.copyOf(jvmArgs), keep, statementStats,
                    Sizes.values(quick, overrides));
        }

        private static String value(String[] args, int index, String name) {
            if (index >= args.length) {
                throw new IllegalArgumentException(name + " needs a value");
            }
            return args[index];
        }
    }

    static void run(Options options) {
        var sizes = Sizes.of(options.sizes());
        var startedAt = Instant.now();
        // Read now: the report is written at the end, when the run's own load is in the average.
        double loadAtStart = loadAverage();
        var random = new SecureRandom();
        var apiKey = "bench-" + HexFormat.of().formatHex(random.generateSeed(16));
        var adminToken = "bench-admin-" + HexFormat.of().formatHex(random.generateSeed(16));
        Path work;
        try {
            work = Files.createTempDirectory("batchcall-bench");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        step("starting " + options.serverJar() + options.serverHeap().map(h -> " with -Xmx" + h).orElse("")
                + (options.serverJvmArgs().isEmpty() ? "" : " " + String.join(" ", options.serverJvmArgs())));
        var server = ServerProcess.start(options.serverJar(), work, apiKey, adminToken, options.serverHeap(),
                options.serverJvmArgs(), Optional.empty(), options.statementStats());
        // Ctrl-C or SIGTERM stops the server too: it is our child and must not outlive the run.
        var stopServer = Thread.ofPlatform().unstarted(server::close);
        Runtime.getRuntime().addShutdownHook(stopServer);
        boolean completed = false;
        try (var database = new BenchDatabase(server.jdbcUrl())) {
            var api = new ApiClient(server.baseUri(), adminToken);
            var figures = new ArrayList<Figure>();
            var details = new LinkedHashMap<String, Object>();
            var steps = new Steps(options.statementStats() ? Optional.of(new StatementStats(database))
                    : Optional.empty(), new LinkedHashMap<>());

            var submit = steps.run("submit", "submit: " + sizes.submitBatches() + " x " + sizes.submitRecipients()
                    + " recipients", () -> new SubmitScenario(api, sizes).run());
            var get = steps.run("get", "get: a " + sizes.submitRecipients() + "-recipient batch, "
                    + sizes.getRequests() + " times",
                    () -> new GetScenario(api, database, sizes).run(submit.workspace(), submit.batchIds().getFirst()));
            var list = steps.run("list", "list: " + sizes.listBatches() + " batches, down to "
                    + sizes.listDepth(), () -> new ListScenario(api, database, sizes).run());
            var conversationList = steps.run("conversations", "conversations: " + sizes.conversations()
                    + " conversations, each filter", () -> new ConversationListScenario(api, database, sizes).run());
            var dispatch = steps.run("dispatch", "dispatch: " + sizes.dispatchRecipients()
                    + " recipients at concurrency " + sizes.dispatchConcurrency(),
                    () -> new DispatchScenario(api, database, sizes, server).run());
            // The baselines after the server's own work is done: the dispatch's post-call sends come 30 s after
            // its calls, and each baseline's CPU is read from the whole database.
            var floor = steps.run("floor", "floor: the same recipients, plain JDBC", () -> {
                awaitIdle(database, sizes);
                return new FloorBaseline(database, sizes, server::databaseCpuTime).run();
            });
            var modelFloor = steps.run("model-floor", "the floor of batchcall's rows: the same recipients, its"
                    + " tables and rows, plain JDBC", () -> {
                        awaitIdle(database, sizes);
                        return new ModelFloor(database, sizes, server::databaseCpuTime).run();
                    });
            var peer = steps.run("peer", "peer: the same recipients, db-scheduler on " + sizes.dispatchConcurrency()
                    + " threads", () -> {
                        awaitIdle(database, sizes);
                        return new DbSchedulerBaseline(database, server.jdbcUrl(), sizes, server::databaseCpuTime)
                                .run();
                    });
            var refill = steps.run("refill", "refill: " + sizes.refillRecipients() + " recipients at concurrency "
                    + sizes.refillConcurrency() + ", talk " + sizes.refillTalk().toMillis() + " ms",
                    () -> new RefillScenario(api, sizes).run());
            var held = steps.run("held", "held: " + sizes.heldRecipients()
                    + " recipients, nine tenths held (calling window closed), against a plain batch of the"
                    + " other tenth, "
                    + sizes.heldRounds() + " round(s)",
                    () -> new HeldScenario(api, sizes).run());
            var capacity = steps.run("capacity", "capacity: " + sizes.capacityCalls() + " calls in flight, talk "
                    + sizes.capacityTalk().toSeconds() + " s", () -> new CapacityScenario(api, server, sizes).run());
            var curves = steps.run("curves", "how cost grows: " + (options.sizes().get("curve-points") <= 1
                    ? "one point per curve, the scenarios' own" : options.sizes().get("curve-points")
                    + " points per curve"),
                    () -> new CurveRuns(api, database, server, options.sizes(), sharedDatabase -> {
                        var directory = work.resolve("node-" + System.nanoTime());
                        try {
                            Files.createDirectories(directory);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                        step("starting another node on the same database");
                        var node = ServerProcess.start(options.serverJar(), directory, apiKey, adminToken,
                                options.serverHeap(), options.serverJvmArgs(), sharedDatabase, false);
                        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(node::close));
                        return node;
                    }).run(new CurveRuns.Main(submit, list, conversationList, dispatch, capacity)));
            var bridge = steps.run("bridge", "bridge: " + sizes.bridgeCalls()
                    + " SRTP calls bridged to WebSocket agents, " + sizes.bridgeWindow().toSeconds() + " s measured",
                    () -> new BridgeScenario(options.serverJar(), work, sizes).run());

            figures.addAll(submit.figures(floor.insertsPerSecond(), modelFloor.insertsPerSecond()));
            figures.addAll(get.figures());
            figures.addAll(list.figures());
            figures.addAll(conversationList.figures());
            figures.addAll(
                    DispatchScenario.figures(dispatch, floor.dispatch(), peer.dispatch(), modelFloor.dispatch()));
            figures.addAll(refill.figures());
            figures.addAll(held.figures());
            figures.addAll(capacity.figures());
            figures.addAll(bridge.figures());
            details.put("submit", submit.details());
            details.put("get", get.details());
            details.put("list", list.details());
            details.put("conversations", conversationList.details());
            details.put("dispatch", dispatch.details());
            details.put("floor", Map.of("dispatch", floor.dispatch().details(),
                    "inserts_per_second", floor.insertsPerSecond()));
            details.put("model_floor", Map.of("dispatch", modelFloor.dispatch().details(),
                    "inserts_per_second", modelFloor.insertsPerSecond()));
            details.put("db_scheduler", Map.of("dispatch", peer.dispatch().details(),
                    "scheduled_per_second", peer.scheduledPerSecond()));
            details.put("refill", refill.details());
            details.put("held", held.details());
            details.put("capacity", capacity.details());
            details.put("bridge", bridge.details());
            if (options.statementStats()) {
                details.put("statements", steps.profile());
            }

            var report = new Report(startedAt, options.quick(), machine(loadAtStart), database.durabilitySettings(),
                    options.sizes(), figures, curves, details);
            report.print(System.out);
            var written = report.write(options.results());
            System.out.println("results: " + written.json());
            System.out.println("report with the curves: " + written.html());
            completed = true;
        } finally {
            server.close();
            if (!completed) {
                var log = server.logText();
                System.err.println("\n== server log (last 100 lines)");
                var lines = log.lines().toList();
                lines.subList(Math.max(0, lines.size() - 100), lines.size()).forEach(System.err::println);
            }
            if (options.keep()) {
                System.out.println("kept: " + work);
            } else {
                deleteRecursively(work);
            }
        }
    }

    /**
     * Runs each scenario under its heading; with statement statistics, empties them before it and keeps its most
     * expensive statements, by scenario, after it.
     */
    private record Steps(Optional<StatementStats> statements, Map<String, Object> profile) {
        <T> T run(String name, String what, Supplier<T> scenario) {
            statements.ifPresent(StatementStats::reset);
            var result = timed(what, scenario);
            statements.ifPresent(stats -> {
                var top = stats.top();
                StatementStats.print(top, System.out);
                profile.put(name, top.stream().map(StatementStats.Statement::details).toList());
            });
            return result;
        }
    }

    private static <T> T timed(String what, Supplier<T> scenario) {
        step(what);
        long started = System.nanoTime();
        var result = scenario.get();
        System.out.printf("   done in %.1f s%n", (System.nanoTime() - started) / 1e9);
        return result;
    }

    private static void step(String what) {
        System.out.println("== " + what);
    }

    /** Before a baseline: the server's own work done, or {@code baseline-idle-wait-secs} spent waiting for it. */
    private static void awaitIdle(BenchDatabase database, Sizes sizes) {
        var waited = database.awaitServerIdle(sizes.baselineIdleWait());
        System.out.printf(java.util.Locale.ROOT, "   waited %.1f s for the server's post-call sends and autovacuum%s%n",
                waited.toNanos() / 1e9, waited.compareTo(sizes.baselineIdleWait()) >= 0 ? " (still running)" : "");
    }

    /** Cores, memory, CPU model and the load average when the run began: the README quotes them with the numbers. */
    private static Map<String, Object> machine(double loadAtStart) {
        var machine = new LinkedHashMap<String, Object>();
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("memory_gb", procField("/proc/meminfo", "MemTotal").map(kb -> String.format("%.1f",
                Long.parseLong(kb.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0)).orElse("unknown"));
        machine.put("cpu", procField("/proc/cpuinfo", "model name").orElse("unknown"));
        machine.put("java", Runtime.version().toString());
        machine.put("load_average_1m_at_start", loadAtStart);
        return machine;
    }

    /** The 1-minute load average: on a shared machine, how many runnable processes competed for the cores. */
    static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    private static Optional<String> procField(String file, String name) {
        try {
            return Files.readAllLines(Path.of(file)).stream().filter(line -> line.startsWith(name))
                    .map(line -> line.substring(line.indexOf(':') + 1).strip()).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static void deleteRecursively(Path root) {
        try (var paths = Files.walk(root)) {
            for (var path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            System.err.println("bench: could not delete " + root + ": " + e.getMessage());
        }
    }
}
