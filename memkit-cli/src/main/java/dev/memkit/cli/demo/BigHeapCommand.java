package dev.memkit.cli.demo;

import dev.memkit.ByteSize;
import dev.memkit.debug.Charts;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code memkit demo bigheap}: the large-heap story. Loads the same N entries into {@code HashMap<Long, Long>},
 * fastutil's {@code Long2LongOpenHashMap} and memkit's off-heap {@code LongLongMap}, each in a fresh JVM with the
 * same heap and collector, then runs allocation churn on every core plus a reader, and compares what the collector
 * had to do, against a fourth JVM that only churns (the no-map baseline).
 */
@Command(name = "bigheap", mixinStandardHelpOptions = true,
        description = "HashMap<Long, Long>, fastutil and memkit's off-heap LongLongMap under GC pressure, side by side.")
public final class BigHeapCommand implements Callable<Integer> {
    @Option(names = "--entries", defaultValue = "8000000",
            description = "entries to load (default ${DEFAULT-VALUE}: the four runs take under two minutes on 2 cores)")
    long entries;

    @Option(names = "--seconds", defaultValue = "15", description = "churn phase length (default ${DEFAULT-VALUE})")
    int seconds;

    @Option(names = "--heap", defaultValue = "3g", description = "-Xmx of both JVMs (default ${DEFAULT-VALUE})")
    String heap;

    @Option(names = "--gc", defaultValue = "g1", description = "g1 or zgc (generational ZGC) (default ${DEFAULT-VALUE})")
    String gc;

    @Option(names = "--report", defaultValue = "memkit-bigheap.html", description = "HTML report path")
    Path reportPath;

    /** One run's figures. */
    record Run(String label, Map<String, String> kv, List<long[]> samples) {
        double num(String key) {
            return Double.parseDouble(kv.getOrDefault(key, "0"));
        }
    }

    @Override
    public Integer call() throws Exception {
        if (entries < 1 || entries > 1_000_000_000L) {
            throw new IllegalArgumentException("--entries must be in [1, 1e9], got " + entries);
        }
        if (seconds < 1 || seconds > 3600) {
            throw new IllegalArgumentException("--seconds must be in [1, 3600], got " + seconds);
        }
        String gcFlag = switch (gc.toLowerCase(Locale.ROOT)) {
            case "g1" -> "-XX:+UseG1GC";
            case "zgc" -> "-XX:+UseZGC";
            default -> throw new IllegalArgumentException("--gc must be g1 or zgc, got " + gc);
        };
        ByteSize.parse("--heap", heap);
        System.out.printf(Locale.ROOT, "memkit demo bigheap: %,d entries, -Xmx%s %s, %d s of churn on %d cores + "
                + "a reader%n%n", entries, heap, gcFlag, seconds, Runtime.getRuntime().availableProcessors());
        Path work = Files.createTempDirectory("memkit-bigheap-");
        try {
            List<Run> runs = List.of(run(work, "hashmap", "HashMap<Long,Long>", gcFlag),
                    run(work, "fastutil", "fastutil Long2Long", gcFlag),
                    run(work, "memkit", "memkit LongLongMap", gcFlag),
                    run(work, "none", "no map (baseline)", gcFlag));
            System.out.println();
            System.out.print(table(runs));
            Path html = reportPath.toAbsolutePath();
            Files.writeString(html, html(runs, gcFlag));
            System.out.println("\nreport: " + html);
            return runs.stream().allMatch(r -> "true".equals(r.kv().get("ok"))) ? 0 : 1;
        } finally {
            DemoCommand.deleteTree(work);
        }
    }

    private Run run(Path work, String store, String label, String gcFlag) throws Exception {
        Path report = work.resolve("report-" + store + ".txt");
        List<String> cmd = List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx" + heap,
                "-Xms" + heap, gcFlag, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), BigHeapChild.class.getName(), store, Long.toString(entries),
                Integer.toString(seconds), report.toString());
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        ProgressBar bar = new ProgressBar(String.format(Locale.ROOT, "%-20s", label));
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("@progress ")) {
                    String[] f = line.split(" ");
                    bar.updateCount(Long.parseLong(f[1]), Long.parseLong(f[2]), "entries loaded");
                } else if (line.equals("@phase churn")) {
                    bar.updateCount(entries, entries, "entries loaded, churning for " + seconds + " s");
                } else {
                    System.out.println(line);
                }
            }
        }
        int exit = p.waitFor();
        bar.finish(exit == 0 ? "done" : "FAILED (exit " + exit + ")");
        Map<String, String> kv = new HashMap<>();
        List<long[]> samples = new ArrayList<>();
        if (Files.exists(report)) {
            DemoReport.read(report, kv, samples);
        }
        if (exit != 0) {
            kv.put("ok", "false");
        }
        return new Run(label, kv, samples);
    }

    static String table(List<Run> runs) {
        StringBuilder sb = new StringBuilder();
        Run hash = runs.getFirst();
        Run fast = runs.stream().filter(r -> r.label().startsWith("fastutil")).findFirst().orElse(hash);
        Run memkit = runs.stream().filter(r -> r.label().startsWith("memkit")).findFirst().orElse(hash);
        Ratios vs = new Ratios(memkit, hash, fast);
        row(sb, "", runs.stream().map(Run::label).toList(), "memkit/HashMap  memkit/fastutil");
        metric(sb, runs, "load time", "loadMs", r -> isBaseline(r) ? "–" : secs(r.num("loadMs")), vs);
        row(sb, "  batched (putAll)", runs.stream().map(r -> r.kv().containsKey("bulkLoadMs")
                ? secs(r.num("bulkLoadMs")) : "–").toList(), vs.of(memkit.num("bulkLoadMs"), "loadMs"));
        metric(sb, runs, "slowest put", "slowestPutMicros",
                r -> isBaseline(r) ? "–" : ms(r.num("slowestPutMicros") / 1000), null);
        metric(sb, runs, "bytes/entry (RSS)", "bytesPerEntry",
                r -> isBaseline(r) ? "–" : fmt(r.num("bytesPerEntry")), vs);
        metric(sb, runs, "peak RSS", "peakRss", r -> ByteSize.format((long) r.num("peakRss")), vs);
        row(sb, "under churn:", runs.stream().map(r -> "").toList(), "");
        metric(sb, runs, "  GC count", "churnGcCount", r -> count(r.num("churnGcCount")), null);
        metric(sb, runs, "  GC pause total", "churnPauseTotalMs", r -> ms(r.num("churnPauseTotalMs")), vs);
        metric(sb, runs, "  max pause", "churnPauseMaxMs", r -> ms(r.num("churnPauseMaxMs")), vs);
        // A collector's beans report a cycle when it ends: a 0 here with no collections means a cycle (a ZGC mark
        // of a huge pointer-rich heap) outlasted the window, not that the collector did no work (see GC+VM CPU).
        metric(sb, runs, "  concurrent GC time", "churnConcurrentGcMs",
                r -> r.num("churnGcCount") == 0 && r.num("churnVmCpuMs") > 0 ? "no cycle ended"
                        : ms(r.num("churnConcurrentGcMs")), vs);
        metric(sb, runs, "  GC+VM CPU time", "churnVmCpuMs", r -> ms(r.num("churnVmCpuMs")), vs);
        metric(sb, runs, "  reads/s", "readsPerSecond",
                r -> isBaseline(r) ? "–" : String.format(Locale.ROOT, "%,.0f", r.num("readsPerSecond")), vs);
        row(sb, "  reads/s, getAll", runs.stream().map(r -> r.kv().containsKey("batchedReadsPerSecond")
                ? String.format(Locale.ROOT, "%,.0f", r.num("batchedReadsPerSecond")) : "–").toList(),
                vs.of(memkit.num("batchedReadsPerSecond"), "readsPerSecond"));
        return sb.toString();
    }

    /** memkit's figure against HashMap's and fastutil's, the easier and the harder comparison. */
    private record Ratios(Run memkit, Run hash, Run fast) {
        String of(String key) {
            return of(memkit.num(key), key);
        }

        String of(double mine, String theirKey) {
            return String.format(Locale.ROOT, "%-15s %s", ratio(mine, hash.num(theirKey)),
                    ratio(mine, fast.num(theirKey)));
        }
    }

    /** The JVM that holds no map: per-entry and per-read figures do not apply to it. */
    private static boolean isBaseline(Run r) {
        return r.label().startsWith("no map");
    }

    private static void metric(StringBuilder sb, List<Run> runs, String name, String key,
                               java.util.function.Function<Run, String> format, Ratios vs) {
        row(sb, name, runs.stream().map(format).toList(), vs == null ? "" : vs.of(key));
    }

    private static void row(StringBuilder sb, String name, List<String> cells, String r) {
        sb.append(String.format(Locale.ROOT, "%-22s", name));
        for (String c : cells) {
            sb.append(String.format(Locale.ROOT, " %-20s", c));
        }
        sb.append(' ').append(r).append('\n');
    }

    private static String count(double v) {
        return String.format(Locale.ROOT, "%,d", Math.round(v));
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, v >= 100 ? "%,.0f" : "%.1f", v);
    }

    private static String secs(double ms) {
        return String.format(Locale.ROOT, "%.1f s", ms / 1000);
    }

    private static String ms(double ms) {
        return String.format(Locale.ROOT, ms >= 100 ? "%,.0f ms" : "%.1f ms", ms);
    }

    private static String ratio(double num, double den) {
        return den <= 0 ? "–" : String.format(Locale.ROOT, "%.2f", num / den);
    }

    private String html(List<Run> runs, String gcFlag) {
        List<List<long[]>> series = runs.stream().map(Run::samples).toList();
        List<String> labels = runs.stream().map(Run::label).toList();
        long[] churnStart = runs.stream().mapToLong(r -> (long) r.num("churnStartMs")).toArray();
        String x = "seconds since the churn began (before 0: loading)";
        return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>memkit bigheap report</title>"
                + Charts.head()
                + "<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:1100px}</style></head><body>"
                + "<h1>memkit demo bigheap: HashMap&lt;Long,Long&gt;, fastutil and LongLongMap</h1>"
                + String.format(Locale.ROOT, "<p>%,d entries; all four JVMs -Xmx%s %s; %d s of churn on every core "
                        + "plus a reader.</p>", entries, DemoReport.esc(heap), gcFlag, seconds)
                + "<pre>" + DemoReport.esc(table(runs)) + "</pre>"
                + "<h2>RSS</h2>" + DemoReport.chart("rss", series, labels, 1, churnStart, x)
                + "<h2>Heap in use after each GC</h2>" + DemoReport.chart("heap", series, labels, 4, churnStart, x)
                + "<h2>Off-heap (LongLongMap tables)</h2>" + DemoReport.chart("offheap", series, labels, 3, churnStart, x)
                + "<p>Sampled every 50 ms inside each JVM; the time axis is shifted per JVM so that their churn phases "
                + "start together at 0. Hover a chart for the values.</p></body></html>\n";
    }
}
