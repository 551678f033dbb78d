package io.batchcall.api;

import io.batchcall.api.sheet.CsvSheet;
import io.batchcall.api.sheet.Sheet;
import io.batchcall.api.sheet.SheetException;
import io.batchcall.api.sheet.XlsxSheet;
import io.batchcall.domain.Batch;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * Our extension {@code POST /v1/convai/batch-calling/recipients/validate}: a CSV or XLSX file (multipart field
 * {@code file}) in, the recipients it holds out, normalised and shaped as submit takes them, with every bad row
 * reported. Nothing is stored. The dashboard previews uploads with it; scripts may use it too.
 */
public final class RecipientUploadRoutes implements RouteGroup {
    static final String PATH = "/v1/convai/batch-calling/recipients/validate";
    /** Ample for 10,000 rows with a long first message each; larger files are a 413. */
    public static final long MAX_FILE_BYTES = 10L * 1024 * 1024;
    /** Room for the multipart boundaries and part headers around the file. */
    private static final long MULTIPART_OVERHEAD_BYTES = 64L * 1024;

    record ValidateResponse(List<com.fasterxml.jackson.databind.node.ObjectNode> recipients,
                            List<Integer> recipientRows, List<RecipientFile.RowError> errors,
                            RecipientFile.Counts counts, RecipientFile.Columns columns, String format) {}

    @Override
    public void register(RoutesConfig routes) {
        routes.post(PATH, this::validate);
    }

    private void validate(Context ctx) throws IOException {
        Authentication.workspace(ctx);
        if (ctx.contentLength() > MAX_FILE_BYTES + MULTIPART_OVERHEAD_BYTES) {
            throw tooLarge();
        }
        if (!ctx.isMultipartFormData()) {
            throw ValidationException.of(List.of("body", "file"), "Field required: send the file as"
                    + " multipart/form-data in a field named file", "missing");
        }
        var upload = ctx.uploadedFile("file");
        if (upload == null) {
            throw ValidationException.of(List.of("body", "file"), "Field required", "missing");
        }
        if (upload.size() > MAX_FILE_BYTES) {
            throw tooLarge();
        }
        byte[] bytes;
        try (InputStream in = upload.content()) {
            bytes = in.readNBytes((int) MAX_FILE_BYTES + 1);
        }
        if (bytes.length > MAX_FILE_BYTES) {
            throw tooLarge();
        }
        boolean xlsx = XlsxSheet.looksLikeXlsx(bytes);
        Sheet sheet;
        try {
            sheet = xlsx ? XlsxSheet.read(new ByteArrayInputStream(bytes), Batch.MAX_RECIPIENTS)
                    : CsvSheet.read(unlessLegacyExcel(bytes), Batch.MAX_RECIPIENTS);
        } catch (SheetException e) {
            throw ValidationException.of(List.of("body", "file"), e.getMessage(), "value_error");
        }
        var file = RecipientFile.from(sheet);
        ctx.json(new ValidateResponse(file.recipients(), file.recipientRows(), file.errors(), file.counts(),
                file.columns(), xlsx ? "xlsx" : "csv"));
    }

    /** The old binary .xls format starts with the OLE2 signature; it would read as garbage CSV. */
    private static byte[] unlessLegacyExcel(byte[] bytes) {
        if (bytes.length >= 4 && (bytes[0] & 0xFF) == 0xD0 && (bytes[1] & 0xFF) == 0xCF && bytes[2] == 0x11
                && (bytes[3] & 0xFF) == 0xE0) {
            throw new SheetException("This is an old .xls workbook; save it as .xlsx or .csv and upload that");
        }
        return bytes;
    }

    private static ApiException tooLarge() {
        return new ApiException(413, "file_too_large", "The file is larger than "
                + MAX_FILE_BYTES / (1024 * 1024) + " MB; split it into several batches");
    }
}
