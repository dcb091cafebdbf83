package dev.memkit.cli;

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
}
