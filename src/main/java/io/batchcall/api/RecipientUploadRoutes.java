package io.batchcall.api;

import io.batchcall.api.sheet.CsvSheet;
import io.batchcall.api.sheet.Sheet;
import io.batchcall.api.sheet.SheetException;
import io.batchcall.api.sheet.SheetLimits;
import io.batchcall.api.sheet.XlsxSheet;
import io.batchcall.config.UploadLimitsConfig;
import io.batchcall.domain.Batch;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.SuppressionStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.MultipartConfigElement;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Semaphore;

/**
 * Our extension {@code POST /v1/convai/batch-calling/recipients/validate}: a CSV or XLSX file (multipart field
 * {@code file}) in, the recipients it holds out, normalised and shaped as submit takes them, with every bad row
 * reported. Nothing is stored. The dashboard previews uploads with it; scripts may use it too.
 *
 * <p>An upload is the most expensive request a client can make, so it is bounded on every side: the body is
 * counted while it is read (a chunked body has no length to check up front), the file goes to a temporary file
 * rather than the heap, the readers stop at the first limit of {@link SheetLimits}, and only a few uploads are
 * read at once per node.
 */
public final class RecipientUploadRoutes implements RouteGroup {
    static final String PATH = "/v1/convai/batch-calling/recipients/validate";
    /** Ample for 10,000 rows with a long first message each; larger files are a 413. */
    public static final long MAX_FILE_BYTES = 10L * 1024 * 1024;
    /** Room for the multipart boundaries and part headers around the file. */
    private static final long MULTIPART_OVERHEAD_BYTES = 64L * 1024;
    /** Twice the characters of the largest CSV: what an XLSX may expand to through repeated shared strings. */
    static final long MAX_TOTAL_CHARACTERS = 2 * MAX_FILE_BYTES;
    /** Uploads are read in well under a second; a client turned away may try again after this. */
    private static final Duration BUSY_RETRY_AFTER = Duration.ofSeconds(2);
    /**
     * Jetty's request attribute for the multipart limits of one request. Set per request, the limits hold for
     * this route only, and Jetty enforces them as it parses: past them it stops reading and fails.
     */
    private static final String MULTIPART_CONFIG = "org.eclipse.jetty.multipartConfig";

    private final SheetLimits limits;
    private final Semaphore uploads;
    private final Path temporaryDirectory;
    private final SuppressionStore suppressions;

    /**
     * A recipient whose number must not be called (our extension): its file row, its index in {@code recipients},
     * and why ({@code dnc} or {@code opted_out}). Lists of the agent given as {@code ?agent_id=} count too.
     */
    record SuppressedRow(int row, int index, String phoneNumber, String reason) {}

    record ValidateResponse(
            List<com.fasterxml.jackson.databind.node.ObjectNode> recipients,
            List<Integer> recipientRows,
            List<RecipientFile.RowError> errors,
            RecipientFile.Counts counts,
            RecipientFile.Columns columns,
            String format,
            List<SuppressedRow> suppressed) {}

    public RecipientUploadRoutes(UploadLimitsConfig config, SuppressionStore suppressions, MeterRegistry meters) {
        this.suppressions = suppressions;
        this.limits = new SheetLimits(
                Batch.MAX_RECIPIENTS, config.maxColumns(), config.maxCellCharacters(), MAX_TOTAL_CHARACTERS);
        int cap = config.maxConcurrentUploads();
        this.uploads = new Semaphore(cap);
        // How close the node is to answering uploads with 429 system_busy: its slots held by uploads being read.
        Gauge.builder("batchcall.uploads.reading", uploads, slots -> cap - slots.availablePermits())
                .description("Uploads this node is reading now (at most BATCHCALL_UPLOADS_CONCURRENT)")
                .register(meters);
        this.temporaryDirectory = Path.of(System.getProperty("java.io.tmpdir"));
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.post(PATH, this::validate);
    }

    private void validate(Context ctx) throws IOException {
        var workspace = Authentication.workspace(ctx).id();
        var agentId = PageQuery.filter(ctx, "agent_id");
        if (ctx.contentLength() > MAX_FILE_BYTES + MULTIPART_OVERHEAD_BYTES) {
            throw tooLarge();
        }
        if (!ctx.isMultipartFormData()) {
            throw ValidationException.of(
                    List.of("body", "file"),
                    "Field required: send the file as" + " multipart/form-data in a field named file",
                    "missing");
        }
        // Taken before the body is read, so that a client beyond the cap is told at once, not after sending
        // 10 MB. The price: a client that sends slowly holds its slot until the body ends or the connection idles.
        if (!uploads.tryAcquire()) {
            throw new TooManyRequests(
                    "system_busy",
                    "This server is reading as many uploads as it reads at once;" + " try again in a moment",
                    BUSY_RETRY_AFTER);
        }
        Path file = null;
        try {
            file = receive(ctx);
            var sheet = read(file);
            var recipients = RecipientFile.from(sheet.sheet());
            ctx.json(new ValidateResponse(
                    recipients.recipients(),
                    recipients.recipientRows(),
                    recipients.errors(),
                    recipients.counts(),
                    recipients.columns(),
                    sheet.format(),
                    suppressed(workspace, agentId, recipients.recipients(), recipients.recipientRows())));
        } finally {
            uploads.release();
            if (file != null) {
                Files.deleteIfExists(file);
            }
        }
    }

    private List<SuppressedRow> suppressed(
            WorkspaceId workspace,
            Optional<String> agentId,
            List<com.fasterxml.jackson.databind.node.ObjectNode> recipients,
            List<Integer> rows) {
        var numbers = recipients.stream()
                .map(r -> r.path("phone_number").asText(""))
                .filter(n -> !n.isEmpty())
                .toList();
        var found = suppressions.suppressed(workspace, agentId, numbers);
        var shown = new ArrayList<SuppressedRow>();
        for (int i = 0; i < recipients.size() && !found.isEmpty(); i++) {
            var number = recipients.get(i).path("phone_number").asText("");
            var reason = found.get(number);
            if (reason != null) {
                shown.add(new SuppressedRow(rows.get(i), i, number, reason.wireName()));
            }
        }
        return shown;
    }

    /** The uploaded file, copied to a temporary file of ours (owner-only), which the caller deletes. */
    private Path receive(Context ctx) throws IOException {
        // Parts past the threshold (0: all) go to disk in this directory, never to the heap.
        ctx.req()
                .setAttribute(
                        MULTIPART_CONFIG,
                        new MultipartConfigElement(
                                temporaryDirectory.toString(),
                                MAX_FILE_BYTES,
                                MAX_FILE_BYTES + MULTIPART_OVERHEAD_BYTES,
                                0));
        UploadedFile upload;
        try {
            upload = ctx.uploadedFile("file");
        } catch (Exception e) { // Javalin rethrows Jetty's checked ServletException undeclared
            if (sizeExceeded(e)) {
                throw tooLarge();
            }
            throw ValidationException.of(
                    List.of("body", "file"),
                    "The multipart body cannot be read (" + e.getMessage() + ")",
                    "value_error");
        }
        if (upload == null) {
            throw ValidationException.of(List.of("body", "file"), "Field required", "missing");
        }
        if (upload.size() > MAX_FILE_BYTES) {
            throw tooLarge();
        }
        var file = Files.createTempFile(temporaryDirectory, "batchcall-upload-", ".tmp");
        try (InputStream in = upload.content()) {
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }

    /** Jetty reports a body past the multipart limits as an exception whose message (or a cause's) says so. */
    private static boolean sizeExceeded(Throwable e) {
        for (var cause = e; cause != null; cause = cause.getCause()) {
            var message = String.valueOf(cause.getMessage()).toLowerCase(Locale.ROOT);
            if (message.contains("max length exceeded")
                    || message.contains("max file size exceeded")
                    || message.contains("exceeds max")) {
                return true;
            }
        }
        return false;
    }

    private record ReadSheet(Sheet sheet, String format) {}

    private ReadSheet read(Path file) throws IOException {
        byte[] head;
        try (var in = Files.newInputStream(file)) {
            head = in.readNBytes(4);
        }
        try {
            if (XlsxSheet.looksLikeXlsx(head)) {
                return new ReadSheet(XlsxSheet.read(file, limits), "xlsx");
            }
            unlessLegacyExcel(head);
            // A CSV is at most MAX_FILE_BYTES, and is decoded as a whole to tell UTF-8 from Windows-1252.
            return new ReadSheet(CsvSheet.read(Files.readAllBytes(file), limits), "csv");
        } catch (SheetException e) {
            throw ValidationException.of(List.of("body", "file"), e.getMessage(), "value_error");
        }
    }

    /** The old binary .xls format starts with the OLE2 signature; it would read as garbage CSV. */
    private static void unlessLegacyExcel(byte[] head) {
        if (head.length >= 4
                && (head[0] & 0xFF) == 0xD0
                && (head[1] & 0xFF) == 0xCF
                && head[2] == 0x11
                && (head[3] & 0xFF) == 0xE0) {
            throw new SheetException("This is an old .xls workbook; save it as .xlsx or .csv and upload that");
        }
    }

    private static ApiException tooLarge() {
        return new ApiException(
                413,
                "file_too_large",
                "The file is larger than " + MAX_FILE_BYTES / (1024 * 1024) + " MB; split it into several batches");
    }
}
