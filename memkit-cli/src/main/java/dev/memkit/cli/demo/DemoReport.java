package dev.memkit.cli.demo;

import dev.memkit.ByteSize;
import dev.memkit.debug.Charts;

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
                    Long.parseLong(f[3]), f.length > 4 ? Long.parseLong(f[4]) : -1});
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
                .append(Charts.head())
                .append("<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:1100px}</style></head><body>")
                .append("<h1>memkit demo: parallel backup, naive vs pooled</h1>")
                .append(String.format(Locale.ROOT, "<p>%,d entries, %s; %d threads; both JVMs -Xmx%s; codec %s; "
                        + "restores compared with the source: contents, modes, times, links.</p>",
                        files, esc(ByteSize.format(bytes)), threads, esc(heap), esc(codec)))
                .append("<pre>").append(esc(table(runs))).append("</pre>");
        List<List<long[]>> series = runs.stream().map(DemoCommand.Run::samples).toList();
        List<String> labels = runs.stream().map(DemoCommand.Run::label).toList();
        long[] zero = new long[series.size()];
        sb.append("<h2>RSS over time</h2>").append(chart("rss", series, labels, 1, zero, "seconds since start"));
        sb.append("<h2>Heap used over time</h2>").append(chart("heap", series, labels, 2, zero, "seconds since start"));
        sb.append("<h2>Off-heap (direct buffers + memkit pool) over time</h2>")
                .append(chart("offheap", series, labels, 3, zero, "seconds since start"));
        sb.append("<p>Sampled every 50 ms inside each backup JVM; hover a chart for the values.</p></body></html>\n");
        return sb.toString();
    }

    /**
     * A chart (memkit-debug's {@link Charts} helper) of one column of several runs' samples
     * ({@code [ms, rss, heap, offHeap, heapAfterGc]}), in bytes, each run's time shifted by {@code originMs[i]} so
     * their phases line up at 0; columns a run did not record (-1) are left out.
     */
    static String chart(String id, List<List<long[]>> series, List<String> labels, int column, long[] originMs,
                        String xLabel) {
        StringBuilder tables = new StringBuilder("[");
        StringBuilder names = new StringBuilder("[");
        for (int i = 0; i < series.size(); i++) {
            StringBuilder xs = new StringBuilder();
            StringBuilder ys = new StringBuilder();
            for (long[] s : series.get(i)) {
                if (s.length > column && s[column] >= 0) {
                    xs.append(xs.isEmpty() ? "" : ",").append(String.format(Locale.ROOT, "%.3f",
                            (s[0] - originMs[i]) / 1000.0));
                    ys.append(ys.isEmpty() ? "" : ",").append(s[column]);
                }
            }
            tables.append(i == 0 ? "" : ",").append("[[").append(xs).append("],[").append(ys).append("]]");
            names.append(i == 0 ? "" : ",").append("{label:\"").append(jsString(labels.get(i))).append("\"}");
        }
        tables.append(']');
        names.append(']');
        return "<div id=\"chart-" + id + "\"></div><script>memkitCharts.chart(document.getElementById(\"chart-" + id
                + "\"),{unit:\"bytes\",x:\"seconds\",xLabel:\"" + jsString(xLabel) + "\",series:" + names
                + ",data:uPlot.join(" + tables + ")});</script>";
    }

    private static String jsString(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("<", "\\u003c");
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
