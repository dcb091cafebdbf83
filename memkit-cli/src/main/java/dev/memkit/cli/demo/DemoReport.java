package dev.memkit.cli.demo;

import dev.memkit.ByteSize;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/** The demo's outputs: the side-by-side table and a self-contained HTML page with SVG charts (no CDN). */
final class DemoReport {
    private DemoReport() {}

    /**
     * Reads a child JVM's report ({@link MemorySampler#write}): {@code key=value} lines into {@code kv}, and
     * {@code sample=ms,rss,heap,offHeap} lines into {@code samples}.
     */
    static void read(Path report, Map<String, String> kv, List<long[]> samples) throws IOException {
        for (String line : Files.readAllLines(report)) {
            int eq = line.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String k = line.substring(0, eq);
            String v = line.substring(eq + 1);
            if (k.equals("sample")) {
                String[] f = v.split(",");
                samples.add(new long[] {Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]),
                    Long.parseLong(f[3])});
            } else {
                kv.put(k, v);
            }
        }
    }

    static DemoCommand.Run readRun(String label, Path report, boolean identical) throws IOException {
        Map<String, String> kv = new HashMap<>();
        List<long[]> samples = new ArrayList<>();
        read(report, kv, samples);
        Function<String, Long> num = k -> Long.parseLong(kv.getOrDefault(k, "0"));
        boolean ok = Boolean.parseBoolean(kv.get("ok")) && identical;
        return new DemoCommand.Run(label, num.apply("peakRss"), num.apply("peakHeap"), num.apply("peakOffHeap"),
                num.apply("gcCount"), num.apply("gcPauseTotalMs"), Double.parseDouble(kv.getOrDefault("gcPauseMaxMs", "0")),
                num.apply("bytes"), num.apply("wallMs"), ok, samples);
    }

    static String table(List<DemoCommand.Run> runs) {
        DemoCommand.Run a = runs.get(0);
        DemoCommand.Run b = runs.get(1);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-22s %-26s %-26s %s%n", "", a.label(), b.label(), "pooled/naive"));
        row(sb, "peak RSS", ByteSize.format(a.peakRss()), ByteSize.format(b.peakRss()), ratio(b.peakRss(), a.peakRss()));
        row(sb, "peak heap used", ByteSize.format(a.peakHeap()), ByteSize.format(b.peakHeap()),
                ratio(b.peakHeap(), a.peakHeap()));
        row(sb, "peak off-heap", ByteSize.format(a.peakOffHeap()), ByteSize.format(b.peakOffHeap()),
                ratio(b.peakOffHeap(), a.peakOffHeap()));
        row(sb, "GC count", Long.toString(a.gcCount()), Long.toString(b.gcCount()), "");
        row(sb, "GC total pause", a.gcPauseTotalMs() + " ms", b.gcPauseTotalMs() + " ms", "");
        row(sb, "GC max pause", fmt(a.gcPauseMaxMs()) + " ms", fmt(b.gcPauseMaxMs()) + " ms", "");
        row(sb, "throughput", fmt(a.mbPerSecond()) + " MB/s", fmt(b.mbPerSecond()) + " MB/s",
                ratio(b.mbPerSecond(), a.mbPerSecond()));
        row(sb, "wall time", fmt(a.wallMs() / 1000.0) + " s", fmt(b.wallMs() / 1000.0) + " s", "");
        row(sb, "restore identical", a.verified() ? "yes" : "NO", b.verified() ? "yes" : "NO", "");
        return sb.toString();
    }

    private static void row(StringBuilder sb, String name, String a, String b, String r) {
        sb.append(String.format(Locale.ROOT, "%-22s %-26s %-26s %s%n", name, a, b, r));
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.1f", v);
    }

    private static String ratio(double num, double den) {
        return den <= 0 ? "" : String.format(Locale.ROOT, "%.2f", num / den);
    }

    static String html(List<DemoCommand.Run> runs, long files, long bytes, int threads, String heap, String codec) {
        StringBuilder sb = new StringBuilder();
        sb.append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>memkit demo report</title>")
                .append("<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:1100px}")
                .append("table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}")
                .append("th:first-child,td:first-child{text-align:left}.naive{stroke:#d9534f}.pooled{stroke:#0275d8}")
                .append("svg{background:#fafafa;border:1px solid #ddd;margin:8px 0}</style></head><body>")
                .append("<h1>memkit demo: parallel backup, naive vs pooled</h1>")
                .append(String.format(Locale.ROOT, "<p>%,d entries, %s; %d threads; both JVMs -Xmx%s; codec %s; "
                        + "restores compared with the source: contents, modes, times, links.</p>",
                        files, esc(ByteSize.format(bytes)), threads, esc(heap), esc(codec)))
                .append("<pre>").append(esc(table(runs))).append("</pre>");
        sb.append("<h2>RSS over time</h2>").append(chart(runs, 1));
        sb.append("<h2>Heap used over time</h2>").append(chart(runs, 2));
        sb.append("<h2>Off-heap (direct buffers + memkit pool) over time</h2>").append(chart(runs, 3));
        sb.append("<p>Red: ").append(esc(runs.get(0).label())).append(". Blue: ").append(esc(runs.get(1).label()))
                .append(". Sampled every 50 ms inside each backup JVM.</p></body></html>\n");
        return sb.toString();
    }

    private static String chart(List<DemoCommand.Run> runs, int column) {
        return chart(runs.stream().map(DemoCommand.Run::samples).toList(), List.of("naive", "pooled"), column);
    }

    /**
     * An inline SVG line chart of one column of several runs' samples ({@code [ms, rss, heap, offHeap]}), the
     * value axis in bytes; each run's line gets the CSS class at its index.
     */
    static String chart(List<List<long[]>> series, List<String> classes, int column) {
        int w = 900;
        int h = 260;
        long maxT = 1;
        long maxV = 1;
        for (List<long[]> samples : series) {
            for (long[] s : samples) {
                maxT = Math.max(maxT, s[0]);
                maxV = Math.max(maxV, s[column]);
            }
        }
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "<svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">", w, h + 30, w, h + 30));
        for (int i = 0; i <= 4; i++) {
            int y = 10 + (h - 20) * i / 4;
            sb.append(String.format(Locale.ROOT,
                    "<line x1=\"70\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#eee\"/><text x=\"2\" y=\"%d\" font-size=\"11\">%s</text>",
                    w - 10, y, y, y + 4, esc(ByteSize.format(maxV * (4 - i) / 4))));
        }
        sb.append(String.format(Locale.ROOT, "<text x=\"70\" y=\"%d\" font-size=\"11\">0 s</text>"
                + "<text x=\"%d\" y=\"%d\" font-size=\"11\">%.1f s</text>", h + 20, w - 60, h + 20, maxT / 1000.0));
        for (int i = 0; i < series.size(); i++) {
            StringBuilder pts = new StringBuilder();
            for (long[] s : series.get(i)) {
                double x = 70 + (w - 80) * (double) s[0] / maxT;
                double y = 10 + (h - 20) * (1 - (double) s[column] / maxV);
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            }
            sb.append("<polyline class=\"").append(classes.get(Math.min(i, classes.size() - 1)))
                    .append("\" fill=\"none\" stroke-width=\"2\" points=\"").append(pts).append("\"/>");
        }
        return sb.append("</svg>").toString();
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
