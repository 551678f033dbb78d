package io.batchcall.api.sheet;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.ParserConfigurationException;
import org.apache.poi.util.XMLHelper;
import org.apache.poi.openxml4j.exceptions.OpenXML4JException;
import org.apache.poi.openxml4j.opc.OPCPackage;
import org.apache.poi.ss.usermodel.DataFormatter;
import org.apache.poi.ss.util.CellReference;
import org.apache.poi.xssf.eventusermodel.ReadOnlySharedStringsTable;
import org.apache.poi.xssf.eventusermodel.XSSFReader;
import org.apache.poi.xssf.eventusermodel.XSSFSheetXMLHandler;
import org.apache.poi.xssf.usermodel.XSSFComment;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

/**
 * Reads the first worksheet of an XLSX file with POI's streaming (SAX) reader, so that memory stays small
 * whatever the workbook's size and reading stops at the row limit. Each cell is the text Excel shows for it
 * (numbers in their display format, formulas as their cached result). POI's zip-bomb guards stay on.
 */
public final class XlsxSheet {
    private XlsxSheet() {}

    /** True when the bytes start like a zip archive, which an XLSX file is. */
    public static boolean looksLikeXlsx(byte[] bytes) {
        return bytes.length >= 4 && bytes[0] == 'P' && bytes[1] == 'K' && bytes[2] == 3 && bytes[3] == 4;
    }

    public static Sheet read(InputStream in, int maxRows) {
        var sheet = new Sheet.Builder(maxRows);
        try (var pkg = OPCPackage.open(in)) {
            var reader = new XSSFReader(pkg);
            var strings = new ReadOnlySharedStringsTable(pkg);
            var sheets = reader.getSheetsData();
            if (!sheets.hasNext()) {
                throw new SheetException("The workbook has no worksheet");
            }
            try (var first = sheets.next()) {
                var xml = XMLHelper.newXMLReader();
                xml.setContentHandler(new XSSFSheetXMLHandler(reader.getStylesTable(), null, strings,
                        new Rows(sheet), new DataFormatter(), false));
                xml.parse(new InputSource(first));
            }
        } catch (IOException | OpenXML4JException | SAXException | ParserConfigurationException
                 | org.apache.poi.UnsupportedFileFormatException e) {
            throw new SheetException("The file is not a readable XLSX workbook (" + e.getMessage() + ")");
        }
        return sheet.build();
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
        }

        @Override
        public void endRow(int rowIndex) {
            sheet.add(rowNumber, List.copyOf(cells));
        }

        @Override
        public void cell(String reference, String formattedValue, XSSFComment comment) {
            int column = reference == null ? cells.size() : new CellReference(reference).getCol();
            while (cells.size() < column) {
                cells.add("");
            }
            cells.add(formattedValue == null ? "" : formattedValue);
        }
    }
}
