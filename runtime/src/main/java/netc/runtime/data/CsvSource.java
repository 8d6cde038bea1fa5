package netc.runtime.data;

import de.siegmar.fastcsv.reader.CsvParseException;
import de.siegmar.fastcsv.reader.CsvReader;
import de.siegmar.fastcsv.reader.CsvRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import netc.runtime.InputSpec;
import netc.runtime.UserError;
import netc.runtime.io.IoErrors;

/**
 * Comma-separated numbers, one sample per line, with an optional header row (recognised by a cell that is not a
 * number). For a model with two inputs the label column (by default the last) goes to the second input and the
 * other columns to the first; for a model with one input every column goes to it.
 */
final class CsvSource {
    private CsvSource() {
    }

    /** The parsed file: column names (null without a header) and {@code rows × columns} values, row-major. */
    private record Table(String[] header, int columns, float[] values) {
        int rows() {
            return values.length / columns;
        }
    }

    /**
     * Loads {@code file} for {@code inputs}.
     *
     * @param label the label column, a header name or a 0-based index; null for the last column
     */
    static DataSet load(Path file, String label, List<InputSpec> inputs) {
        String f = file.toString();
        Table t = parse(file);
        if (inputs.size() == 1) {
            if (label != null) throw new UserError(f + ": a label column needs a model with two inputs");
            return new Labeled(f, t.values(), t.columns(), null, 0).bind(inputs);
        }
        int lc = labelColumn(t, label, f);
        int n = t.rows();
        int c = t.columns();
        float[] features = new float[n * (c - 1)];
        float[] targets = new float[n];
        for (int r = 0; r < n; r++) {
            int row = r * c;
            int out = r * (c - 1);
            System.arraycopy(t.values(), row, features, out, lc);
            System.arraycopy(t.values(), row + lc + 1, features, out + lc, c - lc - 1);
            targets[r] = t.values()[row + lc];
        }
        return new Labeled(f, features, c - 1, targets, 0).bind(inputs);
    }

    private static int labelColumn(Table t, String label, String f) {
        if (label == null) return t.columns() - 1;
        if (t.header() != null) {
            int i = Arrays.asList(t.header()).indexOf(label);
            if (i >= 0) return i;
        }
        int i;
        try {
            i = Integer.parseInt(label);
        } catch (NumberFormatException e) {
            throw new UserError(f + ": no column " + IoErrors.quote(label)
                    + (t.header() != null ? "; the header has: " + IoErrors.escape(String.join(", ", t.header())) : "; the file has no header row"));
        }
        if (i < 0 || i >= t.columns()) {
            throw new UserError(f + ": label column " + i + " is out of range: the file has " + t.columns() + " columns (0.."
                    + (t.columns() - 1) + ")");
        }
        return i;
    }

    private static Table parse(Path file) {
        String f = file.toString();
        // RFC 4180 as FastCSV reads it: quoted cells may hold commas, quotes and line breaks
        try (CsvReader<CsvRecord> csv = CsvReader.builder().skipEmptyLines(true).ignoreDifferentFieldCount(true)
                .ofCsvRecord(new java.io.InputStreamReader(java.nio.file.Files.newInputStream(file), StandardCharsets.UTF_8.newDecoder()))) {
            String[] header = null;
            int columns = -1;
            float[] values = new float[1024];
            int size = 0;
            for (CsvRecord rec : csv) {
                long lineNo = rec.getStartingLineNumber();
                String[] cells = rec.getFields().toArray(new String[0]);
                if (lineNo == 1 && cells[0].startsWith("\uFEFF")) cells[0] = cells[0].substring(1);
                if (cells.length == 1 && cells[0].isBlank()) continue;
                if (columns < 0) {
                    columns = cells.length;
                    if (!allNumbers(cells)) {
                        header = new String[cells.length];
                        for (int i = 0; i < cells.length; i++) header[i] = trim(cells[i]);
                        continue;
                    }
                }
                if (cells.length != columns) {
                    throw new UserError(f + ":" + lineNo + ": expected " + columns + " columns, found " + cells.length);
                }
                if (size + columns > values.length) {
                    if ((long) size + columns > Integer.MAX_VALUE - 8) throw new UserError(f + ":" + lineNo + ": too many values for one tensor");
                    values = Arrays.copyOf(values, (int) Math.min(Integer.MAX_VALUE - 8, Math.max(2L * values.length, size + columns)));
                }
                for (int i = 0; i < columns; i++) {
                    values[size++] = number(cells[i], f, lineNo, i, header);
                }
            }
            if (size == 0) throw new UserError(f + ": no data rows");
            return new Table(header, columns, Arrays.copyOf(values, size));
        } catch (CsvParseException e) {
            throw new UserError(f + ": not a valid CSV file: " + IoErrors.oneLine(String.valueOf(e.getMessage())), e);
        } catch (IOException | UncheckedIOException e) {
            throw new UserError(f + ": cannot read CSV file: " + IoErrors.describe(e instanceof UncheckedIOException u ? u.getCause() : (IOException) e), e);
        }
    }

    private static boolean allNumbers(String[] cells) {
        for (String c : cells) {
            if (Float.isNaN(parse(c))) return false;
        }
        return true;
    }

    private static float number(String cell, String f, long lineNo, int column, String[] header) {
        float v = parse(cell);
        if (Float.isNaN(v)) {
            String name = header != null ? " (" + IoErrors.quote(header[column]) + ")" : "";
            String what = cell.isBlank() ? "empty cell" : IoErrors.quote(cell.strip()) + " is not a finite number";
            throw new UserError(f + ":" + lineNo + ": column " + column + name + ": " + what);
        }
        return v;
    }

    /** The cell's number, or NaN when it is not a finite decimal number. */
    private static float parse(String cell) {
        String s = trim(cell);
        // Float.parseFloat also takes "NaN", "Infinity" and suffixes like "1f": none end in a digit or a dot
        char last = s.isEmpty() ? ' ' : s.charAt(s.length() - 1);
        if (!Character.isDigit(last) && last != '.') return Float.NaN;
        try {
            float v = Float.parseFloat(s);
            return Float.isInfinite(v) ? Float.NaN : v;
        } catch (NumberFormatException e) {
            return Float.NaN;
        }
    }

    /** The cell without surrounding blanks, and without quotes that blanks kept the CSV reader from seeing ( "5" ). */
    private static String trim(String cell) {
        String s = cell.strip();
        return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1).strip() : s;
    }
}
