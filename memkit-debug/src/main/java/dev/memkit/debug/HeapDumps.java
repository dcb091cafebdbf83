package dev.memkit.debug;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.memkit.internal.IoErrors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes heap dumps ({@code .hprof}) through the HotSpot diagnostic MXBean. A dump pauses the application while it
 * is written and holds every object's contents, secrets included: the file is made readable by its owner only.
 * Thread-safe (the JVM serialises dumps).
 *
 * @since 0.1
 */
public final class HeapDumps {
    private HeapDumps() {}

    /**
     * Dumps the heap to {@code file}.
     *
     * @param file a path ending in {@code .hprof} that does not exist yet
     * @param liveOnly true to dump only reachable objects (runs a full GC first)
     * @return the file's size in bytes
     * @throws IllegalArgumentException if the name does not end in {@code .hprof} or the file exists
     * @throws UncheckedIOException if the dump cannot be written
     */
    public static long write(Path file, boolean liveOnly) {
        if (!file.getFileName().toString().endsWith(".hprof")) {
            throw new IllegalArgumentException("a heap dump file must end in .hprof: " + file);
        }
        if (Files.exists(file)) {
            throw new IllegalArgumentException("will not overwrite " + file);
        }
        try {
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .dumpHeap(file.toAbsolutePath().toString(), liveOnly);
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException notPosix) {
                // the platform's default permissions apply
            }
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException("heap dump to " + file + " failed: " + IoErrors.describe(e), e);
        }
    }
}
