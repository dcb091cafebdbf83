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
                    ? (entries, bytes) -> System.out.println("@progress " + entries + " " + bytes)
                    : (entries, bytes) -> { };
            Sender.Result r = new Sender(source, target, options.threads, strategy, () -> Codec.create(options.codec, level),
                    progress).run();
            double secs = r.nanos() / 1e9;
            if (sampler != null) {
                List<String> extra = new ArrayList<>();
                extra.add("files=" + r.entries());
                extra.add("bytes=" + r.fileBytes());
                extra.add("verifiedFiles=" + r.written());
                extra.add("ok=" + r.ok());
                extra.add("wallMs=" + r.nanos() / 1_000_000);
                sampler.write(report, extra);
            }
            list("not backed up", r.skipped());
            list("failed", r.failures());
            if (!r.ok()) {
                System.err.printf(Locale.ROOT, "memkit backup: FAILED: %d of %d entries written and on disk; "
                        + "%d not backed up, %d failure(s) (listed above)%n", r.written(), r.expected(),
                        r.skipped().size(), r.failures().size());
                return 1;
            }
            if (!progressLines) {
                System.out.printf(Locale.ROOT, "backed up %d entries, %s of file data, in %.1f s (%.0f MB/s): all "
                        + "written and on disk at %s%n", r.entries(), ByteSize.format(r.fileBytes()), secs,
                        r.fileBytes() / 1e6 / secs, to);
            }
            return 0;
        }
    }

    private static void list(String what, List<String> lines) {
        if (lines.isEmpty()) {
            return;
        }
        System.err.println("memkit backup: " + lines.size() + " " + what + ":");
        lines.stream().limit(50).forEach(f -> System.err.println("  " + f));
        if (lines.size() > 50) {
            System.err.println("  ... and " + (lines.size() - 50) + " more");
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
