package dev.memkit.internal;

import dev.memkit.ByteSize;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

/**
 * Resolves memkit's process-wide limit like Go's {@code GOMEMLIMIT}: the system property {@code memkit.limit},
 * else the environment variable {@code MEMKIT_LIMIT}, else the container's memory (cgroup v2 {@code memory.max})
 * or the machine's, minus the maximum heap. A value is a size ({@code 2g}, {@code 512m}) or a percentage of the
 * container/machine memory ({@code 60%}). Thread-safe: stateless.
 */
public final class LimitConfig {
    /** The system property that sets the limit. */
    public static final String PROPERTY = "memkit.limit";
    /** The environment variable that sets the limit. */
    public static final String ENV = "MEMKIT_LIMIT";
    /** The least a derived default may be, so a small container still gets a usable budget. */
    static final long MIN_DEFAULT = 64L << 20;

    private LimitConfig() {}

    /**
     * What was decided, and why (for logs and the debug page).
     *
     * @param bytes the limit
     * @param source where it came from
     */
    public record Resolved(long bytes, String source) {}

    /**
     * Resolves from this process's properties, environment, memory and heap.
     *
     * @return the limit and its source
     */
    public static Resolved resolve() {
        return resolve(System.getProperties(), System.getenv(), memoryBytes(), Runtime.getRuntime().maxMemory());
    }

    /**
     * Resolves from explicit inputs (for tests and embedders).
     *
     * @param props system properties
     * @param env environment variables
     * @param memoryBytes the container's or machine's memory
     * @param maxHeap the JVM's maximum heap
     * @return the limit and its source
     * @throws IllegalArgumentException naming the setting when its value is not a size or percentage
     */
    public static Resolved resolve(Properties props, Map<String, String> env, long memoryBytes, long maxHeap) {
        String p = props.getProperty(PROPERTY);
        if (p != null) {
            return new Resolved(parse("-D" + PROPERTY, p, memoryBytes), "system property " + PROPERTY + "=" + p);
        }
        String e = env.get(ENV);
        if (e != null) {
            return new Resolved(parse(ENV, e, memoryBytes), "environment " + ENV + "=" + e);
        }
        long derived = Math.max(MIN_DEFAULT, memoryBytes - maxHeap);
        return new Resolved(derived, "memory " + ByteSize.format(memoryBytes) + " minus max heap "
                + ByteSize.format(maxHeap));
    }

    static long parse(String setting, String value, long memoryBytes) {
        String v = value.trim();
        long bytes;
        if (v.endsWith("%")) {
            double pct;
            try {
                pct = Double.parseDouble(v.substring(0, v.length() - 1).trim());
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException(setting + ": '" + value + "' is not a percentage (example: 60%)");
            }
            if (!(pct > 0 && pct <= 100)) {
                throw new IllegalArgumentException(setting + ": '" + value + "' must be a percentage in (0, 100]");
            }
            bytes = (long) (memoryBytes * pct / 100);
        } else {
            bytes = ByteSize.parse(setting, v);
        }
        if (bytes <= 0) {
            throw new IllegalArgumentException(setting + ": '" + value + "' must be positive");
        }
        return bytes;
    }

    /**
     * The memory available to the process.
     *
     * @return cgroup v2 {@code memory.max} when it holds a number, else the machine's memory
     */
    public static long memoryBytes() {
        try {
            String max = Files.readString(Path.of("/sys/fs/cgroup/memory.max")).trim();
            if (!max.equals("max")) {
                return Math.min(Long.parseLong(max), MachineMemory.totalBytes());
            }
        } catch (IOException | RuntimeException e) {
            // not cgroup v2, or not Linux
        }
        return MachineMemory.totalBytes();
    }
}
