package io.batchcall.api.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.Await;
import io.batchcall.support.HttpResult;
import io.batchcall.support.TestServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The validate endpoint's limits: hostile spreadsheets are refused quickly with a 4xx that says why, and bad
 * cells are reported like any other bad cell, never passed on as recipients.
 */
class UploadLimitsTest {
    private static final String VALIDATE = "/v1/convai/batch-calling/recipients/validate";
    /** "Within a second" on a quiet machine; the build machine is shared, so the assertion is looser. */
    private static final Duration PROMPTLY = Duration.ofSeconds(5);

    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(
                Map.of("BATCHCALL_UPLOAD_MAX_CELL_CHARS", "1000", "BATCHCALL_UPLOADS_CONCURRENT", "1"), List.of());
        // The first workbook a JVM reads loads POI's and XMLBeans' classes (seconds); time the requests, not that.
        try {
            assertThat(upload("warm-up.xlsx", workbook()).status()).isEqualTo(200);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static HttpResult upload(String name, byte[] content) {
        return server.client().postFile(VALIDATE, "file", name, content);
    }

    /** The response for an assertion message, cut short: a failing upload may answer megabytes. */
    private static String brief(HttpResult response) {
        var text = response.toString();
        return text.length() <= 500 ? text : text.substring(0, 500) + "...";
    }

    private record Timed(HttpResult response, Duration took) {}

    private static Timed timedUpload(String name, byte[] content) {
        long started = System.nanoTime();
        var response = upload(name, content);
        var took = Duration.ofNanos(System.nanoTime() - started);
        System.out.printf(
                "upload %s (%d bytes): %d in %d ms%n", name, content.length, response.status(), took.toMillis());
        return new Timed(response, took);
    }

    @Test
    void a_1_mb_csv_whose_header_has_100000_columns_is_refused_promptly() {
        var csv = new StringBuilder("phone_number");
        for (int c = 1; csv.length() < 1024 * 1024; c++) {
            csv.append(",c").append(c);
        }
        csv.append("\n+14155550101").append(",x".repeat(100_000)).append('\n');

        var timed = timedUpload("wide.csv", csv.toString().getBytes(StandardCharsets.UTF_8));

        assertThat(timed.response().status()).as(brief(timed.response())).isEqualTo(422);
        assertThat(timed.response().json().at("/detail/0/msg").asText()).contains("Row 1", "more than 200 columns");
        assertThat(timed.took()).isLessThan(PROMPTLY);
    }

    @Test
    void an_xlsx_with_a_cell_at_zzzzzz2_is_refused_promptly_as_past_excels_last_column() throws IOException {
        var xlsx = withSheetXml(workbook(), xml -> xml.replace("r=\"B2\"", "r=\"ZZZZZZ2\""));

        var timed = timedUpload("far.xlsx", xlsx);

        assertThat(timed.response().status()).as(brief(timed.response())).isEqualTo(422);
        assertThat(timed.response().json().at("/detail/0/msg").asText()).contains("ZZZZZZ2", "XFD");
        assertThat(timed.took()).isLessThan(PROMPTLY);
    }

    @Test
    void an_xlsx_with_a_row_past_excels_last_row_is_refused() throws IOException {
        var xlsx = withSheetXml(
                workbook(),
                xml -> xml.replace("r=\"B2\"", "r=\"B1048577\"").replace("<row r=\"2\"", "<row r=\"1048577\""));

        var response = upload("deep.xlsx", xlsx);

        assertThat(response.status()).as(brief(response)).isEqualTo(422);
        assertThat(response.json().at("/detail/0/msg").asText()).contains("1048576");
    }

    @Test
    void a_csv_row_with_more_columns_than_the_limit_is_refused_naming_its_row() {
        var csv = "phone_number,name\n+14155550101,Ann\n+14155550102" + ",x".repeat(250) + "\n";

        var response = upload("wide.csv", csv.getBytes(StandardCharsets.UTF_8));

        assertThat(response.status()).isEqualTo(422);
        assertThat(response.json().at("/detail/0/msg").asText()).contains("Row 3", "more than 200 columns");
    }

    @Test
    void a_cell_longer_than_the_limit_is_refused_naming_its_row_and_column() throws IOException {
        var csv = "phone_number,note\n+14155550101," + "n".repeat(1001) + "\n";
        var xlsx = workbook(new String[][] {{"phone_number", "note"}, {"+14155550101", "n".repeat(1001)}});

        var fromCsv = upload("long.csv", csv.getBytes(StandardCharsets.UTF_8));
        var fromXlsx = upload("long.xlsx", xlsx);

        assertThat(fromCsv.status()).isEqualTo(422);
        assertThat(fromCsv.json().at("/detail/0/msg").asText()).contains("Row 2", "column 2", "1000 characters");
        assertThat(fromXlsx.status()).isEqualTo(422);
        assertThat(fromXlsx.json().at("/detail/0/msg").asText()).contains("Row 2", "column 2", "1000 characters");
    }

    @Test
    void a_zip_bomb_posing_as_a_workbook_is_refused_promptly() throws IOException {
        // 200 MB of one repeated row inflates from a few hundred kB: far past any real workbook's ratio.
        var row = "<row><c t=\"inlineStr\"><is><t>+14155550101</t></is></c></row>";
        var bomb = withSheetXml(
                workbook(),
                xml -> xml.replace("</sheetData>", row.repeat(200 * 1024 * 1024 / row.length()) + "</sheetData>"));

        var timed = timedUpload("bomb.xlsx", bomb);

        assertThat(timed.response().status()).as(brief(timed.response())).isEqualTo(422);
        assertThat(timed.response().json().at("/detail/0/msg").asText()).contains("not a readable XLSX");
        assertThat(timed.took()).isLessThan(PROMPTLY);
    }

    @Test
    void cells_holding_nul_or_a_lone_surrogate_are_reported_as_bad_cells_and_left_out() throws IOException {
        var csv = "phone_number,name\n+14155550101,Ann\n+14155550102,B\u0000b\n";
        var xlsx = withSheetXml(
                workbook(new String[][] {
                    {"phone_number", "name"}, {"+14155550101", "Ann"}, {"+14155550102", "Bob"}, {"+14155550103", "Cid"}
                }),
                xml -> xml);
        xlsx = withEntry(
                xlsx,
                "xl/sharedStrings.xml",
                xml -> xml.replace(">Bob<", ">B_x0000_b<").replace(">Cid<", ">C_xD800_d<"));

        var fromCsv = upload("nul.csv", csv.getBytes(StandardCharsets.UTF_8)).json();
        var fromXlsx = upload("nul.xlsx", xlsx).json();

        assertThat(fromCsv.get("recipient_rows").toString()).isEqualTo("[2]");
        assertThat(fromCsv.get("errors")).singleElement().satisfies(e -> {
            assertThat(e.get("row").asInt()).isEqualTo(3);
            assertThat(e.get("column").asText()).isEqualTo("name");
            assertThat(e.get("message").asText()).contains("U+0000");
            assertThat(e.get("value").asText()).doesNotContain("\u0000");
        });
        assertThat(fromXlsx.get("recipient_rows").toString()).isEqualTo("[2]");
        assertThat(fromXlsx.get("errors"))
                .extracting(e -> e.get("row").asInt() + " " + e.get("column").asText())
                .containsExactly("3 name", "4 name");
        assertThat(fromXlsx.at("/errors/1/message").asText()).contains("surrogate");
        assertThat(fromXlsx.toString()).doesNotContain("\\u0000", "\\ud800", "\\uD800");
    }

    @Test
    void a_header_cell_holding_nul_is_a_422_for_the_whole_file() {
        var response =
                upload("nul.csv", "phone_number,na\u0000me\n+14155550101,Ann\n".getBytes(StandardCharsets.UTF_8));

        assertThat(response.status()).isEqualTo(422);
        assertThat(response.json().at("/detail/0/msg").asText()).contains("Column 2", "U+0000");
    }

    @Test
    void a_chunked_upload_without_content_length_is_cut_off_at_the_size_limit_while_it_is_read() throws Exception {
        try (var upload = new RawUpload(server.port())) {
            var sent = upload.streamFileBytes(100L * 1024 * 1024);

            var response = upload.response();

            System.out.printf(
                    "chunked upload: %s after the client wrote %d MB%n",
                    response.statusLine(), sent.get() / (1024 * 1024));
            assertThat(response.statusLine()).contains(" 413 ");
            assertThat(response.body()).contains("file_too_large");
            // The server stopped reading at 10 MB; the rest is what socket buffers took before it closed.
            assertThat(sent.get()).isLessThan(40L * 1024 * 1024);
        }
    }

    @Test
    void an_upload_beyond_the_concurrent_cap_gets_a_429_with_retry_after_and_the_next_one_is_read() throws Exception {
        // An upload an earlier test cut off may still hold its slot for a moment on a loaded machine: start from a
        // node that reads no upload, so that the slow upload below is the one holding the only slot.
        Await.until(Duration.ofSeconds(10), "the node to free its upload slot", () -> uploadsReading() == 0);
        try (var slow = new RawUpload(server.port())) {
            slow.start("phone_number\n+14155550101\n");
            // Ask beside it only once the node reads the slow one: before that, the one beside could take the
            // slot first, and the slow one would be the one refused.
            Await.until(Duration.ofSeconds(10), "the node to read the slow upload", () -> {
                try {
                    if (slow.answered()) {
                        throw new AssertionError("the slow upload was answered before it ended: " + slow.response());
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return uploadsReading() == 1;
            });

            var beside = upload("beside.csv", "phone_number\n+14155550102\n".getBytes(StandardCharsets.UTF_8));

            assertThat(beside.status()).as(beside.toString()).isEqualTo(429);
            assertThat(beside.json().at("/detail/status").asText()).isEqualTo("system_busy");
            assertThat(beside.headers().firstValue("Retry-After"))
                    .hasValueSatisfying(
                            seconds -> assertThat(Integer.parseInt(seconds)).isPositive());
            slow.finish();
            assertThat(slow.response().statusLine()).contains(" 200 ");
        }
        assertThat(upload("after.csv", "phone_number\n+14155550103\n".getBytes(StandardCharsets.UTF_8))
                        .status())
                .isEqualTo(200);
        assertThat(uploadsReading()).isZero();
    }

    /** The node's {@code batchcall_uploads_reading}, as {@code /metrics} shows it to an operator. */
    private static int uploadsReading() {
        return (int) server.metric("batchcall_uploads_reading");
    }

    /**
     * A multipart upload written by hand on a socket, chunked and without Content-Length, so that a test decides
     * when (and whether) the body ends. java.net.http cannot hold a body open or see an early answer.
     */
    private static final class RawUpload implements AutoCloseable {
        private static final String BOUNDARY = "----batchcall-raw";
        private final java.net.Socket socket;
        private final java.io.OutputStream out;
        private Thread writer;

        RawUpload(int port) throws IOException {
            socket = new java.net.Socket("127.0.0.1", port);
            socket.setSoTimeout(30_000);
            out = new java.io.BufferedOutputStream(socket.getOutputStream());
            write(("POST " + VALIDATE + " HTTP/1.1\r\nHost: 127.0.0.1\r\nxi-api-key: " + TestServer.API_KEY
                            + "\r\nContent-Type: multipart/form-data; boundary=" + BOUNDARY
                            + "\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            chunk(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n"
                            + "Content-Type: text/csv\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        }

        /** Sends the start of a file and keeps the body open. */
        void start(String content) throws IOException {
            chunk(content.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        /** Whether the server has answered already (before the body ended: a refusal). */
        boolean answered() throws IOException {
            return socket.getInputStream().available() > 0;
        }

        void finish() throws IOException {
            chunk(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.US_ASCII));
            write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        /** Writes up to {@code total} bytes of file from another thread until the server stops taking them. */
        java.util.concurrent.atomic.AtomicLong streamFileBytes(long total) {
            var sent = new java.util.concurrent.atomic.AtomicLong();
            var block = new byte[64 * 1024];
            java.util.Arrays.fill(block, (byte) 'a');
            writer = Thread.ofPlatform().daemon().start(() -> {
                try {
                    while (sent.get() < total) {
                        chunk(block);
                        sent.addAndGet(block.length);
                    }
                    finish();
                } catch (IOException e) {
                    // The server closed the connection: what this test expects once the limit is reached.
                }
            });
            return sent;
        }

        record Response(String statusLine, String body) {}

        Response response() throws IOException {
            var in = new java.io.DataInputStream(new java.io.BufferedInputStream(socket.getInputStream()));
            var status = line(in);
            int length = 0;
            boolean chunked = false;
            for (var header = line(in); !header.isEmpty(); header = line(in)) {
                var lower = header.toLowerCase(java.util.Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Integer.parseInt(header.substring(15).strip());
                } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunked = true;
                }
            }
            var body = new ByteArrayOutputStream();
            if (chunked) {
                for (int size = Integer.parseInt(line(in).strip(), 16);
                        size > 0;
                        size = Integer.parseInt(line(in).strip(), 16)) {
                    body.write(in.readNBytes(size));
                    line(in);
                }
            } else {
                body.write(in.readNBytes(length));
            }
            return new Response(status, body.toString(StandardCharsets.UTF_8));
        }

        private static String line(java.io.InputStream in) throws IOException {
            var line = new StringBuilder();
            for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
                if (c != '\r') {
                    line.append((char) c);
                }
            }
            return line.toString();
        }

        private void chunk(byte[] bytes) throws IOException {
            write((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            write(bytes);
            write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }

        private synchronized void write(byte[] bytes) throws IOException {
            out.write(bytes);
        }

        @Override
        public void close() throws IOException {
            socket.close();
            if (writer != null) {
                try {
                    writer.join(10_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    static byte[] workbook() throws IOException {
        return workbook(new String[][] {{"phone_number", "name"}, {"+14155550101", "Ann"}});
    }

    static byte[] workbook(String[][] rows) throws IOException {
        try (var workbook = new XSSFWorkbook();
                var out = new ByteArrayOutputStream()) {
            var sheet = workbook.createSheet("Recipients");
            for (int r = 0; r < rows.length; r++) {
                var row = sheet.createRow(r);
                for (int c = 0; c < rows[r].length; c++) {
                    row.createCell(c).setCellValue(rows[r][c]);
                }
            }
            workbook.write(out);
            return out.toByteArray();
        }
    }

    static byte[] withSheetXml(byte[] xlsx, UnaryOperator<String> edit) throws IOException {
        return withEntry(xlsx, "xl/worksheets/sheet1.xml", edit);
    }

    /** The workbook with one zip entry's text rewritten, as a hostile client could send it. */
    static byte[] withEntry(byte[] xlsx, String name, UnaryOperator<String> edit) throws IOException {
        var out = new ByteArrayOutputStream();
        try (var in = new ZipInputStream(new ByteArrayInputStream(xlsx));
                var zip = new ZipOutputStream(out)) {
            for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                var bytes = in.readAllBytes();
                if (entry.getName().equals(name)) {
                    bytes = edit.apply(new String(bytes, StandardCharsets.UTF_8))
                            .getBytes(StandardCharsets.UTF_8);
                }
                zip.putNextEntry(new ZipEntry(entry.getName()));
                zip.write(bytes);
                zip.closeEntry();
            }
        }
        return out.toByteArray();
    }
}
