package dev.memkit.cli;

import dev.memkit.ByteSize;
import dev.memkit.buffer.SizeClasses;
import dev.memkit.cli.backup.Buffers;
import dev.memkit.cli.backup.Codec;
import dev.memkit.cli.backup.Sender;
import dev.memkit.cli.demo.MemorySampler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code memkit backup SRC --to HOST:PORT}: streams a tree to a receiver; exit 0 only if all of it verified. */
@Command(name = "backup", mixinStandardHelpOptions = true,
        description = "Back up a directory tree to a memkit receiver over TCP.")
public final class BackupCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SRC", description = "directory to back up")
    Path source;

    @Option(names = "--to", required = true, paramLabel = "HOST:PORT", description = "the receiver")
    String to;

    @picocli.CommandLine.Mixin
    BufferOptions options = new BufferOptions();

    @Option(names = "--buffers", defaultValue = "pooled",
            description = "naive: a fresh buffer per read; pooled: memkit's BufferPool (default ${DEFAULT-VALUE})")
    String buffers;

    @Option(names = "--pool-limit", defaultValue = "1g", description = "pooled mode's byte limit (default ${DEFAULT-VALUE})")
    String poolLimit;

    @Option(names = "--level", defaultValue = "1", description = "compression level (default ${DEFAULT-VALUE})")
    int level;

    @Option(names = "--report", hidden = true, description = "write a memory report (used by the demo)")
    Path report;

    @Option(names = "--progress-lines", hidden = true, description = "print machine-readable progress")
    boolean progressLines;

    @Override
    public Integer call() throws Exception {
        InetSocketAddress target = parseTarget(to);
        options.validate(level);
        Buffers strategy = switch (buffers) {
            case "naive" -> Buffers.naive(options.naiveKind.equals("direct"));
            case "pooled" -> Buffers.pooled(SizeClasses.parse(options.classes), ByteSize.parse("--pool-limit", poolLimit));
            default -> throw new IllegalArgumentException("--buffers must be naive or pooled, got " + buffers);
        };
        try (strategy; MemorySampler sampler = report == null ? null : new MemorySampler(strategy::nativeBytes)) {
            Sender.Progress progress = progressLines
                    ? (f, b, tf, tb) -> System.out.println("@progress " + f + " " + b + " " + tf + " " + tb)
                    : (f, b, tf, tb) -> { };
            Sender.Result r = new Sender(source, target, options.threads, strategy, () -> Codec.create(options.codec, level),
                    progress).run();
            double secs = r.nanos() / 1e9;
            if (sampler != null) {
                List<String> extra = new ArrayList<>();
                extra.add("files=" + r.totalFiles());
                extra.add("bytes=" + r.totalBytes());
                extra.add("verifiedFiles=" + r.verifiedFiles());
                extra.add("ok=" + r.ok());
                extra.add("wallMs=" + r.nanos() / 1_000_000);
                sampler.write(report, extra);
            }
            if (!r.ok()) {
                System.err.println("memkit backup: FAILED: " + r.verifiedFiles() + " of " + r.totalFiles()
                        + " files verified by the receiver");
                r.failures().stream().limit(20).forEach(f -> System.err.println("  " + f));
                if (r.failures().size() > 20) {
                    System.err.println("  ... and " + (r.failures().size() - 20) + " more");
                }
                return 1;
            }
            if (!progressLines) {
                System.out.printf(Locale.ROOT, "backed up %d files, %s, in %.1f s (%.0f MB/s), all verified by %s%n",
                        r.totalFiles(), ByteSize.format(r.totalBytes()), secs, r.totalBytes() / 1e6 / secs, to);
            }
            return 0;
        }
    }

    static InetSocketAddress parseTarget(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new IllegalArgumentException("--to must be HOST:PORT, got '" + hostPort + "'");
        }
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--to: port must be a number, got '" + hostPort + "'");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("--to: port must be in [1, 65535], got " + port);
        }
        return new InetSocketAddress(hostPort.substring(0, colon), port);
    }
}
