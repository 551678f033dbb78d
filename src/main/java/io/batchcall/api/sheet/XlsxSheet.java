package io.batchcall.api.sheet;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.ParserConfigurationException;
import org.apache.poi.openxml4j.exceptions.OpenXML4JException;
import org.apache.poi.openxml4j.opc.OPCPackage;
import org.apache.poi.openxml4j.opc.PackageAccess;
import org.apache.poi.openxml4j.util.ZipInputStreamZipEntrySource;
import org.apache.poi.openxml4j.util.ZipSecureFile;
import org.apache.poi.ss.usermodel.DataFormatter;
import org.apache.poi.util.XMLHelper;
import org.apache.poi.xssf.eventusermodel.ReadOnlySharedStringsTable;
import org.apache.poi.xssf.eventusermodel.XSSFReader;
import org.apache.poi.xssf.eventusermodel.XSSFSheetXMLHandler;
import org.apache.poi.xssf.model.StylesTable;
import org.apache.poi.xssf.usermodel.XSSFComment;
import org.apache.poi.xssf.usermodel.XSSFRelation;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

/**
 * Reads the first worksheet of an XLSX file with POI's streaming (SAX) reader, so that memory stays small
 * whatever the workbook's size and reading stops at the first limit it passes. The workbook is opened from a
 * file, which POI reads entry by entry; opened from a stream, POI would inflate every entry into memory first.
 * Each cell is the text Excel shows for it (numbers in their display format, formulas as their cached result).
 */
public final class XlsxSheet {
    /**
     * POI's zip-bomb guards are process-wide statics; we set them here, explicitly, rather than trust defaults
     * that another library in the process could change. The ratio refuses any entry that inflates more than 100
     * times (real sheets inflate 5 to 20 times; a bomb, thousands). The entry size bounds the inflated XML that
     * the streaming reader walks through: 10,000 rows of 200 cells need well under it.
     */
    static final double MIN_INFLATE_RATIO = 0.01;

    static final long MAX_ENTRY_BYTES = 256L * 1024 * 1024;
    /**
     * The shared strings and the styles are the two parts POI holds in memory whole (the sheet itself streams),
     * so each is read through a byte limit of its own: far above what 10 MB of real workbook holds, far below
     * what a bomb would inflate to.
     */
    static final long MAX_SHARED_STRINGS_BYTES = 48L * 1024 * 1024;

    static final long MAX_STYLES_BYTES = 8L * 1024 * 1024;
    static final int TEMP_FILE_THRESHOLD_BYTES = 1024 * 1024;

    static {
        ZipSecureFile.setMinInflateRatio(MIN_INFLATE_RATIO);
        ZipSecureFile.setMaxEntrySize(MAX_ENTRY_BYTES);
        // Bounds POI's own text extractors (which we do not use); our cell text is bounded by SheetLimits.
        ZipSecureFile.setMaxTextSize(MAX_SHARED_STRINGS_BYTES);
        // A file whose zip directory is damaged is read as a stream, entry by entry into memory; past this size
        // an entry goes to a temporary file instead, so that even that path keeps the heap flat.
        ZipInputStreamZipEntrySource.setThresholdBytesForTempFiles(TEMP_FILE_THRESHOLD_BYTES);
    }

    private XlsxSheet() {}

    /** True when the bytes start like a zip archive, which an XLSX file is. */
    public static boolean looksLikeXlsx(byte[] head) {
        return head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
    }

    public static Sheet read(Path file, SheetLimits limits) {
        var sheet = new Sheet.Builder(limits);
        try (var pkg = OPCPackage.open(file.toFile(), PackageAccess.READ)) {
            var reader = new XSSFReader(pkg);
            var stringParts = pkg.getPartsByContentType(XSSFRelation.SHARED_STRINGS.getContentType());
            ReadOnlySharedStringsTable strings;
            try (var in = stringParts.isEmpty()
                    ? InputStream.nullInputStream()
                    : new Bounded(
                            stringParts.getFirst().getInputStream(), MAX_SHARED_STRINGS_BYTES, "shared strings")) {
                strings = new ReadOnlySharedStringsTable(in);
            }
            var styles = new StylesTable();
            for (var part : pkg.getPartsByContentType(XSSFRelation.STYLES.getContentType())) {
                try (var in = new Bounded(part.getInputStream(), MAX_STYLES_BYTES, "styles")) {
                    styles = new StylesTable(in);
                }
            }
            var sheets = reader.getSheetsData();
            if (!sheets.hasNext()) {
                throw new SheetException("The workbook has no worksheet");
            }
            try (var first = sheets.next()) {
                var xml = XMLHelper.newXMLReader();
                xml.setContentHandler(
                        new XSSFSheetXMLHandler(styles, null, strings, new Rows(sheet), new DataFormatter(), false));
                xml.parse(new InputSource(first));
            }
        } catch (SheetException e) {
            throw e;
        } catch (IOException | OpenXML4JException | SAXException | ParserConfigurationException | RuntimeException e) {
            // Any other failure inside POI is about the file (the only input here): a 422, not a 500.
            throw new SheetException("The file is not a readable XLSX workbook (" + e.getMessage() + ")");
        }
        return sheet.build();
    }

    /** A part's bytes, up to a limit past which reading fails: POI would otherwise hold all of them. */
    private static final class Bounded extends FilterInputStream {
        private final long limit;
        private final String what;
        private long read;

        Bounded(InputStream in, long limit, String what) {
            super(in);
            this.limit = limit;
            this.what = what;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            count(b < 0 ? 0 : 1);
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            count(Math.max(n, 0));
            return n;
        }

        private void count(int n) throws IOException {
            read += n;
            if (read > limit) {
                throw new IOException("its " + what + " are larger than " + limit / (1024 * 1024) + " MB");
            }
        }
    }

    /** Turns POI's cell events into rows of text, filling skipped (empty) cells with "". */
    private static final class Rows implements XSSFSheetXMLHandler.SheetContentsHandler {
        private final Sheet.Builder sheet;
        private final List<String> cells = new ArrayList<>();
        private int rowNumber;

        Rows(Sheet.Builder sheet) {
            this.sheet = sheet;
        }

        @Override
        public void startRow(int rowIndex) {
            cells.clear();
            rowNumber = rowIndex + 1;
            if (rowIndex < 0 || rowNumber > SheetLimits.EXCEL_ROWS) {
                throw new SheetException(
                        "The workbook has a row past Excel's last row (" + SheetLimits.EXCEL_ROWS + ")");
            }
        }

        @Override
        public void endRow(int rowIndex) {
            sheet.add(rowNumber, List.copyOf(cells));
        }

        @Override
        public void cell(String reference, String formattedValue, XSSFComment comment) {
            int column = reference == null ? cells.size() : column(reference);
            var value = formattedValue == null ? "" : formattedValue;
            sheet.checkCell(rowNumber, column, value.length());
            while (cells.size() < column) {
                cells.add("");
            }
            cells.add(value);
        }

        /**
         * The column index of a reference such as {@code B7}, read here rather than by POI's CellReference,
         * which silently wraps references past XFD (ZZZZZZ2 came out as column 14,934).
         */
        private static int column(String reference) {
            int letters = 0;
            int index = 0;
            while (letters < reference.length() && letters <= 3) {
                char c = Character.toUpperCase(reference.charAt(letters));
                if (c < 'A' || c > 'Z') {
                    break;
                }
                index = index * 26 + (c - 'A' + 1);
                letters++;
            }
            if (letters == 0 || letters > 3 || index > SheetLimits.EXCEL_COLUMNS) {
                throw new SheetException(
                        "The workbook has a cell at " + abbreviated(reference) + ", past Excel's" + " last column XFD");
            }
            var digits = reference.substring(letters);
            if (!digits.matches("[1-9][0-9]{0,6}") || Integer.parseInt(digits) > SheetLimits.EXCEL_ROWS) {
                throw new SheetException("The workbook has a cell at " + abbreviated(reference) + ", past Excel's"
                        + " last row (" + SheetLimits.EXCEL_ROWS + ")");
            }
            return index - 1;
        }

        private static String abbreviated(String reference) {
            return reference.length() <= 20 ? reference : reference.substring(0, 20) + "...";
        }
    }
}
