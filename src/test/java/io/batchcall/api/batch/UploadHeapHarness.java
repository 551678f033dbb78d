package io.batchcall.api.batch;

import io.batchcall.support.TestServer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Not part of the suite (its name does not end in Test): a measurement for the README. Uploads each hostile
 * file five times to a server in this JVM and prints the answer, the median time and the peak heap in use
 * while it was handled, above the heap in use just before. Run it with
 * {@code ./mvnw -B -o test -Dtest=UploadHeapHarness -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class UploadHeapHarness {
    private static final int RUNS = 5;

    @Test
    void measure() throws IOException {
        var files = new LinkedHashMap<String, byte[]>();
        var wide = new StringBuilder("phone_number");
        for (int c = 1; wide.length() < 1024 * 1024; c++) {
            wide.append(",c").append(c);
        }
        wide.append("\n+14155550101").append(",x".repeat(100_000)).append('\n');
        files.put("wide.csv", wide.toString().getBytes(StandardCharsets.UTF_8));
        files.put(
                "far.xlsx",
                UploadLimitsTest.withSheetXml(
                        UploadLimitsTest.workbook(), xml -> xml.replace("r=\"B2\"", "r=\"ZZZZZZ2\"")));
        var row = "<row><c t=\"inlineStr\"><is><t>+14155550101</t></is></c></row>";
        files.put(
                "bomb.xlsx",
                UploadLimitsTest.withSheetXml(
                        UploadLimitsTest.workbook(),
                        xml -> xml.replace(
                                "</sheetData>", row.repeat(200 * 1024 * 1024 / row.length()) + "</sheetData>")));
        var rows = new StringBuilder("phone_number,name,note\n");
        for (int i = 0; i < 10_000; i++) {
            rows.append("+1415555")
                    .append(String.format("%04d", i))
                    .append(",Name ")
                    .append(i)
                    .append(",a note of some length for this recipient\n");
        }
        files.put("10000-rows.csv", rows.toString().getBytes(StandardCharsets.UTF_8));

        try (var server = TestServer.start()) {
            var client = server.client();
            client.postFile(
                    "/v1/convai/batch-calling/recipients/validate", "file", "warm.xlsx", UploadLimitsTest.workbook());
            var memory = ManagementFactory.getMemoryMXBean();
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                var millis = new ArrayList<Long>();
                var peaks = new ArrayList<Long>();
                int status = 0;
                for (int run = 0; run < RUNS; run++) {
                    System.gc();
                    long before = memory.getHeapMemoryUsage().getUsed();
                    var peak = new AtomicLong(before);
                    var sampling = new AtomicBoolean(true);
                    var sampler = Thread.ofPlatform().start(() -> {
                        while (sampling.get()) {
                            peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                        }
                    });
                    long started = System.nanoTime();
                    status = client.postFile(
                                    "/v1/convai/batch-calling/recipients/validate",
                                    "file",
                                    file.getKey(),
                                    file.getValue())
                            .status();
                    millis.add((System.nanoTime() - started) / 1_000_000);
                    sampling.set(false);
                    try {
                        sampler.join();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    peaks.add((peak.get() - before) / (1024 * 1024));
                }
                System.out.printf(
                        "HARNESS %-15s %8d bytes -> %d, median %4d ms, heap peak above idle: median %4d MB,"
                                + " max %4d MB%n",
                        file.getKey(),
                        file.getValue().length,
                        status,
                        median(millis),
                        median(peaks),
                        peaks.stream().mapToLong(Long::longValue).max().orElse(0));
            }
        }
    }

    private static long median(List<Long> values) {
        var sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }
}
