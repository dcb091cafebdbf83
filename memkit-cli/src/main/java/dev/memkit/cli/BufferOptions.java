package dev.memkit.cli;

import dev.memkit.buffer.SizeClasses;
import dev.memkit.cli.backup.Codec;
import picocli.CommandLine.Option;

/** Options shared by {@code backup} and {@code demo}: how buffers are obtained and how chunks are compressed. */
public final class BufferOptions {
    @Option(names = "--threads", defaultValue = "4", description = "files read in parallel (default ${DEFAULT-VALUE})")
    public int threads;

    @Option(names = "--naive-kind", defaultValue = "direct",
            description = "naive buffers: direct (ByteBuffer.allocateDirect) or heap (byte[]) (default ${DEFAULT-VALUE})")
    public String naiveKind;

    @Option(names = "--classes", defaultValue = "default",
            description = "pool size classes: default, coarse, or a list like 1k,100k,1m,16m")
    public String classes;

    @Option(names = "--codec", defaultValue = "zstd", description = "zstd or deflate (default ${DEFAULT-VALUE})")
    public String codec;

    /**
     * Checks every option before any work starts (the demo passes them on to child JVMs, which would otherwise
     * find a bad one only after a corpus was generated and a whole run done).
     *
     * @param level the compression level to check with the codec
     * @throws IllegalArgumentException naming the option and the accepted values
     */
    public void validate(int level) {
        if (threads < 1 || threads > 256) {
            throw new IllegalArgumentException("--threads must be in [1, 256], got " + threads);
        }
        if (!naiveKind.equals("direct") && !naiveKind.equals("heap")) {
            throw new IllegalArgumentException("--naive-kind must be direct or heap, got " + naiveKind);
        }
        try {
            SizeClasses.parse(classes);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--classes: " + e.getMessage(), e);
        }
        Codec.create(codec, level); // names the codecs it knows
    }
}
