package netc.compiler.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A line chart drawn as inline SVG: axes with round tick values and grid lines, one line per series (broken where a
 * value is not finite), dots on the points when there are few, and a legend. No script, no external resource.
 */
public final class LineChart {
    /** One line: its legend name, its CSS colour and its points. */
    public record Series(String name, String color, double[] x, double[] y) {
    }

    private static final int LEFT = 58, RIGHT = 14, TOP = 34, BOTTOM = 44;

    private final String title, xLabel, yLabel;
    private final List<Series> series = new ArrayList<>();
    private boolean integerX;
    private double xFrom = Double.POSITIVE_INFINITY;

    public LineChart(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    /** Ticks on the x axis at whole numbers only (epochs). */
    public LineChart integerX() {
        integerX = true;
        return this;
    }

    /** The x axis starts at or before {@code x}, whatever the points. */
    public LineChart xFrom(double x) {
        xFrom = x;
        return this;
    }

    public LineChart add(String name, String color, double[] x, double[] y) {
        if (x.length != y.length) throw new IllegalArgumentException(name + ": " + x.length + " x values, " + y.length + " y values");
        series.add(new Series(name, color, x.clone(), y.clone()));
        return this;
    }

    /** Whether any series has a finite point to draw. */
    public boolean hasData() {
        for (Series s : series) {
            for (int i = 0; i < s.x.length; i++) if (Double.isFinite(s.x[i]) && Double.isFinite(s.y[i])) return true;
        }
        return false;
    }

    /**
     * The chart as an {@code <svg>} element of the given size in CSS pixels. When every value is positive and they
     * span three or more powers of ten (a loss that falls a long way, or one that blows up), the y axis is
     * logarithmic.
     */
    public String svg(int width, int height) {
        double x0 = Double.POSITIVE_INFINITY, x1 = Double.NEGATIVE_INFINITY, y0 = x0, y1 = x1;
        for (Series s : series) {
            for (int i = 0; i < s.x.length; i++) {
                if (!Double.isFinite(s.x[i]) || !Double.isFinite(s.y[i])) continue;
                x0 = Math.min(x0, s.x[i]);
                x1 = Math.max(x1, s.x[i]);
                y0 = Math.min(y0, s.y[i]);
                y1 = Math.max(y1, s.y[i]);
            }
        }
        if (x0 > x1) {
            x0 = 0;
            x1 = 1;
            y0 = 0;
            y1 = 1;
        }
        x0 = Math.min(x0, xFrom);
        boolean log = y0 > 0 && y1 / y0 >= 1000;
        double[] xs = ticks(x0, x1, integerX), ys = log ? logTicks(y0, y1) : ticks(y0, y1, false);
        Axis ax = new Axis(xs[0], xs[xs.length - 1], LEFT, width - RIGHT, false);
        Axis ay = new Axis(ys[0], ys[ys.length - 1], height - BOTTOM, TOP, log);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">%n", width, height, width, height));
        sb.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>%n", width, height));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" font-size=\"13\" font-weight=\"bold\" fill=\"#222\">%s</text>%n", LEFT, Html.escape(title)));
        for (double t : ys) {
            double y = ay.at(t);
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e3e3e3\"/>", LEFT, width - RIGHT, y, y));
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#555\">%s</text>%n", LEFT - 6, y + 4, log ? powerLabel(t) : label(t, ys)));
        }
        for (double t : xs) {
            double x = ax.at(t);
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#e3e3e3\"/>", x, x, TOP, height - BOTTOM));
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%s</text>%n", x, height - BOTTOM + 16, label(t, xs)));
        }
        sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>%n",
                LEFT, TOP, width - LEFT - RIGHT, height - TOP - BOTTOM));
        sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#333\">%s</text>%n",
                (LEFT + width - RIGHT) / 2.0, height - 8, Html.escape(xLabel)));
        sb.append(String.format(Locale.ROOT, "<text transform=\"translate(14 %.1f) rotate(-90)\" text-anchor=\"middle\" fill=\"#333\">%s</text>%n",
                (TOP + height - BOTTOM) / 2.0, Html.escape(yLabel)));
        for (Series s : series) line(sb, s, ax, ay);
        legend(sb, width);
        return sb.append("</svg>\n").toString();
    }

    private static void line(StringBuilder sb, Series s, Axis ax, Axis ay) {
        StringBuilder d = new StringBuilder();
        boolean pen = false;
        int finite = 0;
        for (int i = 0; i < s.x.length; i++) {
            if (!Double.isFinite(s.x[i]) || !Double.isFinite(s.y[i])) {
                pen = false;
                continue;
            }
            d.append(String.format(Locale.ROOT, "%s%.1f %.1f ", pen ? "L" : "M", ax.at(s.x[i]), ay.at(s.y[i])));
            pen = true;
            finite++;
        }
        if (finite == 0) return;
        sb.append(String.format(Locale.ROOT, "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2.5\" stroke-linejoin=\"round\"/>%n",
                d.toString().strip(), s.color));
        if (finite <= 60) {
            for (int i = 0; i < s.x.length; i++) {
                if (!Double.isFinite(s.x[i]) || !Double.isFinite(s.y[i])) continue;
                sb.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>", ax.at(s.x[i]), ay.at(s.y[i]), s.color));
            }
            sb.append('\n');
        }
    }

    private void legend(StringBuilder sb, int width) {
        int x = width - RIGHT;
        for (int i = series.size() - 1; i >= 0; i--) {
            Series s = series.get(i);
            x -= 7 * s.name.length() + 34;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"14\" y2=\"14\" stroke=\"%s\" stroke-width=\"3\"/>"
                    + "<text x=\"%d\" y=\"18\" fill=\"#333\">%s</text>%n", x, x + 18, s.color, x + 23, Html.escape(s.name)));
        }
    }

    /** Maps data values onto pixels, linearly or (with {@code log}, from ticks given as powers of ten) logarithmically. */
    private record Axis(double lo, double hi, double from, double to, boolean log) {
        double at(double v) {
            double u = log ? Math.log10(v) : v, a = log ? Math.log10(lo) : lo, b = log ? Math.log10(hi) : hi;
            return from + (u - a) / (b - a) * (to - from);
        }
    }

    /** Powers of ten from at or below {@code lo} to at or above {@code hi}, at most about eight of them. */
    static double[] logTicks(double lo, double hi) {
        int a = (int) Math.floor(Math.log10(lo) + 1e-9), b = (int) Math.ceil(Math.log10(hi) - 1e-9);
        int step = Math.max(1, (int) Math.ceil((b - a) / 8.0));
        b = a + Math.max(1, (int) Math.ceil((double) (b - a) / step)) * step;
        double[] t = new double[(b - a) / step + 1];
        for (int i = 0; i < t.length; i++) t[i] = Math.pow(10, a + i * step);
        return t;
    }

    /** A power of ten as plain decimals from 0.001 to 10000, else as 1e-5, 1e+12. */
    private static String powerLabel(double v) {
        int k = (int) Math.round(Math.log10(v));
        if (k >= 0 && k <= 4) return String.valueOf((long) Math.pow(10, k));
        if (k < 0 && k >= -3) return "0." + "0".repeat(-k - 1) + "1";
        return "1e" + (k > 0 ? "+" : "") + k;
    }

    /**
     * About five round tick values (1, 2 or 5 times a power of ten apart) whose first is at or below {@code lo} and
     * whose last is at or above {@code hi}.
     */
    static double[] ticks(double lo, double hi, boolean integers) {
        if (hi - lo < 1e-12 * Math.max(1, Math.abs(hi))) {
            double pad = lo == 0 ? 1 : Math.abs(lo) * 0.1;
            lo -= pad;
            hi += pad;
        }
        double raw = (hi - lo) / 5, mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / mag, step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
        if (integers) step = Math.max(1, Math.round(step));
        double first = Math.floor(lo / step + 1e-9) * step, last = Math.ceil(hi / step - 1e-9) * step;
        int n = (int) Math.round((last - first) / step) + 1;
        double[] t = new double[Math.max(n, 2)];
        for (int i = 0; i < t.length; i++) t[i] = first + i * step;
        return t;
    }

    /** A tick value with as many decimals as the ticks' spacing needs. */
    private static String label(double v, double[] ticks) {
        double step = ticks.length > 1 ? ticks[1] - ticks[0] : 1;
        double big = Math.max(Math.abs(ticks[0]), Math.abs(ticks[ticks.length - 1]));
        if (big >= 1e6 || step < 1e-6) return String.format(Locale.ROOT, "%.3g", v);
        int decimals = (int) Math.max(0, Math.min(8, Math.ceil(-Math.log10(step) - 1e-9)));
        String s = String.format(Locale.ROOT, "%." + decimals + "f", v);
        return s.matches("-0(\\.0*)?") ? s.substring(1) : s;
    }
}
