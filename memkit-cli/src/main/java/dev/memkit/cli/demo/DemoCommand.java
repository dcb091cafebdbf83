package dev.memkit.cli.demo;

import dev.memkit.ByteSize;
import dev.memkit.cli.backup.Receiver;
import dev.memkit.cli.backup.TreeDiff;
import dev.memkit.cli.backup.TreeWalker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code memkit demo}: the backup story, end to end. Generates a seeded corpus, starts a receiver on loopback,
 * runs the same backup twice in fresh JVMs with the same heap settings (naive buffers, then memkit's pool),
 * verifies both restores byte for byte, and prints and charts what each run cost.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, subcommands = BigHeapCommand.class,
        description = "Parallel backup, naive buffers vs memkit's BufferPool, measured side by side, on a generated "
                + "corpus or on your own tree (--source).")
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--size", defaultValue = "default",
            description = "corpus: tiny, small, default or large (default ${DEFAULT-VALUE})")
    String size;

    @picocli.CommandLine.Mixin
    dev.memkit.cli.BufferOptions options = new dev.memkit.cli.BufferOptions();

    @Option(names = "--heap", defaultValue = "1g", description = "-Xmx of both backup JVMs (default ${DEFAULT-VALUE})")
    String heap;

    @Option(names = "--seed", defaultValue = "42", description = "corpus seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--report", defaultValue = "memkit-report.html", description = "HTML report path")
    Path reportPath;

    @Option(names = "--workdir", description = "where the temporary corpus goes (default: the system temp dir)")
    Path workdir;

    @Option(names = "--keep", description = "keep the corpus and restores")
    boolean keep;

    @Option(names = "--source", paramLabel = "DIR",
            description = "back up this tree (read only) instead of a generated corpus; restores go to a temporary "
                    + "directory, removed unless --keep")
    Path source;

    private long totalEntries;
    private long totalBytes;

    /** One backup run's figures, read from the child's report. */
    public record Run(String label, long peakRss, long peakHeap, long peakOffHeap, long gcCount, long gcPauseTotalMs,
                      double gcPauseMaxMs, long bytes, long wallMs, boolean verified, List<long[]> samples) {
        double mbPerSecond() {
            return wallMs == 0 ? 0 : bytes / 1e6 / (wallMs / 1000.0);
        }
    }

    @Override
    public Integer call() throws Exception {
        Corpus.Size corpusSize = switch (size.toLowerCase(Locale.ROOT)) {
            case "tiny" -> Corpus.Size.TINY;
            case "small" -> Corpus.Size.SMALL;
            case "default" -> Corpus.Size.DEFAULT;
            case "large" -> Corpus.Size.LARGE;
            default -> throw new IllegalArgumentException("--size must be tiny, small, default or large, got " + size);
        };
        options.validate(1);
        if (!heap.matches("[1-9][0-9]*[kKmMgG]?") || ByteSize.parse("--heap", heap) < (32L << 20)) {
            throw new IllegalArgumentException("--heap must be a JVM heap size of at least 32m such as 512m or 2g, got '"
                    + heap + "'");
        }
        Path html = reportPath.toAbsolutePath();
        if (Files.isDirectory(html) || !Files.isDirectory(html.getParent()) || !Files.isWritable(html.getParent())) {
            throw new IllegalArgumentException("--report: cannot write " + html + " (" + (Files.isDirectory(html)
                    ? "it is a directory" : "its directory does not exist or is not writable") + ")");
        }
        if (source != null && (!Files.isDirectory(source) || !Files.isReadable(source))) {
            throw new IllegalArgumentException("--source: " + source + (Files.exists(source)
                    ? " is not a readable directory" : " does not exist"));
        }
        Path base = workdir == null ? Path.of(System.getProperty("java.io.tmpdir")) : workdir;
        Files.createDirectories(base);
        Path work = Files.createTempDirectory(base, "memkit-demo-");
        try {
            Path src;
            if (source == null) {
                src = work.resolve("corpus");
                System.out.printf("memkit demo: generating a %s corpus (seed %d) in %s%n", size, seed, src);
                Corpus.generate(src, corpusSize, seed);
            } else {
                src = source.toAbsolutePath();
                System.out.printf("memkit demo: backing up %s (read only)%n", src);
            }
            List<String> notBackedUp = new ArrayList<>();
            new TreeWalker(notBackedUp).walk(src, (e, p) -> {
                totalEntries++;
                totalBytes += e.size();
            });
            long files = totalEntries;
            long bytes = totalBytes;
            System.out.printf("  %,d entries, %s; %d threads, -Xmx%s, codec %s%n", files, ByteSize.format(bytes),
                    options.threads, heap, options.codec);
            if (!notBackedUp.isEmpty()) {
                System.out.printf("  %d entries cannot be backed up (special files or unreadable), e.g. %s%n",
                        notBackedUp.size(), notBackedUp.getFirst());
            }
            System.out.println();
            List<Run> runs = new ArrayList<>();
            runs.add(runOnce(work, src, "naive", "naive (" + (options.naiveKind.equals("heap") ? "byte[]" : "allocateDirect")
                    + ")"));
            runs.add(runOnce(work, src, "pooled", "pooled (memkit" + (options.classes.equals("default") ? "" : ", " + options.classes)
                    + ")"));
            System.out.println();
            List<String> failed = runs.stream().filter(r -> r.bytes() == 0).map(Run::label).toList();
            if (!failed.isEmpty()) { // a child that wrote no report: say so, and keep any earlier report
                System.err.println("memkit demo: no figures from " + String.join(" and ", failed)
                        + " (see the errors above); no report written");
                return 1;
            }
            System.out.print(DemoReport.table(runs));
            Files.writeString(html, DemoReport.html(runs, files, bytes, options.threads, heap, options.codec));
            System.out.println("\nreport: " + html);
            return runs.stream().allMatch(Run::verified) ? 0 : 1;
        } finally {
            if (!keep) {
                deleteTree(work);
            } else {
                System.out.println("kept: " + work);
            }
        }
    }

    private Run runOnce(Path work, Path src, String mode, String label) throws Exception {
        Path restore = work.resolve("restore-" + mode);
        Path report = work.resolve("report-" + mode + ".txt");
        int exit;
        try (Receiver receiver = new Receiver(InetAddress.getLoopbackAddress(), 0, restore)) {
            List<String> cmd = new ArrayList<>(List.of(
                    ProcessHandle.current().info().command().orElse("java"), "-Xmx" + heap,
                    "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    "dev.memkit.cli.Main", "backup", src.toString(), "--to", "127.0.0.1:" + receiver.port(),
                    "--threads", Integer.toString(options.threads), "--buffers", mode, "--naive-kind", options.naiveKind,
                    "--classes", options.classes, "--codec", options.codec, "--report", report.toString(), "--progress-lines"));
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            ProgressBar bar = new ProgressBar(String.format(Locale.ROOT, "%-26s", label));
            try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    if (line.startsWith("@progress ")) {
                        String[] f = line.split(" ");
                        bar.update(Long.parseLong(f[1]), Long.parseLong(f[2]), totalEntries, totalBytes);
                    } else {
                        System.out.println(line);
                    }
                }
            }
            exit = p.waitFor();
            bar.finish(exit == 0 ? "done" : "FAILED (exit " + exit + ")");
        }
        List<String> diffs = exit == 0 ? TreeDiff.compare(src, restore) : List.of("the backup failed");
        boolean identical = diffs.isEmpty();
        if (!identical) {
            System.out.println("  restore differs from the source (" + diffs.size() + "): " + diffs.getFirst());
        }
        if (!Files.exists(report)) {
            return new Run(label, 0, 0, 0, 0, 0, 0, 0, 0, false, List.of());
        }
        return DemoReport.readRun(label, report, identical);
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
