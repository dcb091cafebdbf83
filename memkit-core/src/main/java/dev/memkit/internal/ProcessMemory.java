package dev.memkit.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's resident and virtual size from {@code /proc/self/status} (Linux). Elsewhere, or if the file cannot
 * be read, every figure is -1. Stateless and thread-safe; each call reads the file (a few microseconds).
 */
public final class ProcessMemory {
    private static final Path STATUS = Path.of("/proc/self/status");

    private ProcessMemory() {}

    /**
     * Resident set size.
     *
     * @return bytes, or -1 when unavailable
     */
    public static long rssBytes() {
        return read()[0];
    }

    /**
     * {@code {VmRSS, VmSize}} in bytes, each -1 when unavailable.
     *
     * @return a new two-element array
     */
    public static long[] read() {
        long[] out = {-1, -1};
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    out[0] = kib(line);
                } else if (line.startsWith("VmSize:")) {
                    out[1] = kib(line);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or /proc not mounted: leave -1
        }
        return out;
    }

    private static long kib(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
    }
}
