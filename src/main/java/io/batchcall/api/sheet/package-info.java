/**
 * Spreadsheets as uploaded: CSV (our own RFC 4180 reader) and XLSX (Apache POI's streaming reader), both read
 * into the same {@link io.batchcall.api.sheet.Sheet} of text cells with their spreadsheet row numbers. Knows
 * nothing of recipients; uses the JDK and POI only.
 */
package io.batchcall.api.sheet;
