package dev.memkit.internal;

import java.lang.management.ManagementFactory;

/**
 * Physical memory available to this process: the container's limit when there is one (the JDK's operating
 * system bean is cgroup-aware), else the machine's. Thread-safe.
 */
public final class MachineMemory {
    private MachineMemory() {}

    /**
     * Total memory available to the process.
     *
     * @return bytes, or 4 GiB when the platform does not say
     */
    public static long totalBytes() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            long total = os.getTotalMemorySize();
            if (total > 0) {
                return total;
            }
        }
        return 4L << 30;
    }
}
