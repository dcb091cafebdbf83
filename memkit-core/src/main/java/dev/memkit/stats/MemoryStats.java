package dev.memkit.stats;

import dev.memkit.manager.MemoryManagerStats;

import java.time.Instant;
import java.util.List;

/**
 * One coherent picture of a JVM's memory: the heap, the collector, allocation, NIO buffers, the process, native
 * memory tracking, and memkit's own budgets and pools. Taken by {@link MemoryStatsCollector#snapshot()}.
 *
 * <p><b>Instantaneous or as of the last GC.</b> Every figure is instantaneous (read at {@link #time()}) unless its
 * name ends in {@code AfterGc}: those are what the collector left behind at the end of its last cycle, the figure
 * to watch for leaks (the instantaneous heap also counts garbage not yet collected, which is why a heap profile
 * shows less than {@code top}). Pause figures cover the collector's window (see {@link Pauses}). A figure the
 * platform cannot provide is {@code -1} (counts and bytes) or {@code NaN} (rates).
 *
 * @param time when the snapshot was taken
 * @param heapUsedBytes heap in use, garbage included
 * @param heapCommittedBytes heap the JVM has committed
 * @param heapMaxBytes the maximum heap ({@code -Xmx}), or -1
 * @param heapUsedAfterGcBytes heap in use after the last collection (sum of the heap pools' after-GC usage)
 * @param heapPools every heap and non-heap memory pool
 * @param collectors every garbage collector's cumulative count and time
 * @param pauses the distribution of GC pauses over the collector's window
 * @param allocatedBytes bytes allocated on the heap by all threads since the JVM started, or -1
 * @param allocationRateBytesPerSecond heap allocation rate since the previous snapshot of the same collector, or
 *        NaN for the first
 * @param nioPools the JDK's NIO buffer pools ("direct", "mapped"...)
 * @param rssBytes the process's resident set size ({@code /proc/self/status} VmRSS), or -1 off Linux
 * @param virtualBytes the process's virtual size (VmSize), or -1 off Linux
 * @param threadCount live threads (platform threads; virtual threads are not counted by the JVM)
 * @param daemonThreadCount live daemon threads
 * @param nmtReservedBytes Native Memory Tracking's total reserved, or -1 when NMT is off
 * @param nmtCommittedBytes Native Memory Tracking's total committed, or -1 when NMT is off
 * @param budgets every memkit budget of the manager, root first, or empty without a manager
 * @param memkit the manager's snapshot (pools, object pools, pressure), or null without a manager
 * @since 0.1
 */
public record MemoryStats(Instant time, long heapUsedBytes, long heapCommittedBytes, long heapMaxBytes,
                          long heapUsedAfterGcBytes, List<Pool> heapPools, List<Collector> collectors,
                          Pauses pauses, long allocatedBytes, double allocationRateBytesPerSecond,
                          List<NioPool> nioPools, long rssBytes, long virtualBytes, int threadCount,
                          int daemonThreadCount, long nmtReservedBytes, long nmtCommittedBytes,
                          List<Budget> budgets, MemoryManagerStats memkit) {

    /** Copies the lists so the snapshot is immutable. */
    public MemoryStats {
        heapPools = List.copyOf(heapPools);
        collectors = List.copyOf(collectors);
        nioPools = List.copyOf(nioPools);
        budgets = List.copyOf(budgets);
    }

    /**
     * This snapshot as JSON, in the stable format documented in docs/DEBUG-ENDPOINT.md.
     *
     * @return a JSON object
     */
    public String toJson() {
        return StatsJson.stats(this);
    }

    /**
     * Bytes of the JDK's direct and mapped NIO buffers.
     *
     * @return the sum of the NIO pools' used bytes
     */
    public long nioUsedBytes() {
        return nioPools.stream().mapToLong(p -> Math.max(0, p.usedBytes())).sum();
    }

    /**
     * Native memory memkit holds for its buffer pools (the root budget's usage), or 0 without a manager.
     *
     * @return bytes
     */
    public long memkitReservedBytes() {
        return memkit == null ? 0 : memkit.usedBytes();
    }

    /**
     * A memory pool of the JVM (heap generations, metaspace, code cache).
     *
     * @param name the pool's name, e.g. "G1 Old Gen"
     * @param heap true for a heap pool, false for non-heap
     * @param usedBytes in use now
     * @param committedBytes committed now
     * @param maxBytes its maximum, or -1
     * @param usedAfterGcBytes in use after the last collection of this pool, or -1 when not collected
     */
    public record Pool(String name, boolean heap, long usedBytes, long committedBytes, long maxBytes,
                       long usedAfterGcBytes) {}

    /**
     * One garbage collector's cumulative figures (a collector may count concurrent cycles, not pauses).
     *
     * @param name the collector's MXBean name, e.g. "G1 Young Generation"
     * @param count collections since the JVM started
     * @param timeMillis accumulated collection time
     */
    public record Collector(String name, long count, long timeMillis) {}

    /**
     * GC pauses in the window before the snapshot, from the collectors' notifications (millisecond resolution), or
     * from JFR with {@code MemoryStatsCollector.Builder.jfrPauses} (nanosecond resolution); concurrent cycles are
     * not pauses and are left out.
     *
     * @param windowSeconds the window's length
     * @param count pauses in the window
     * @param p50Millis median pause, or NaN without pauses
     * @param p99Millis 99th percentile pause, or NaN without pauses
     * @param maxMillis longest pause, or NaN without pauses
     * @param totalMillis the pauses' sum
     */
    public record Pauses(long windowSeconds, int count, double p50Millis, double p99Millis, double maxMillis,
                         double totalMillis) {}

    /**
     * A JDK NIO buffer pool.
     *
     * @param name "direct", "mapped", ...
     * @param count buffers
     * @param usedBytes memory the JVM uses for them
     * @param capacityBytes their total capacity
     */
    public record NioPool(String name, long count, long usedBytes, long capacityBytes) {}

    /**
     * A memkit budget.
     *
     * @param path its path, e.g. "memkit/buffers"
     * @param limitBytes its limit
     * @param usedBytes reserved on it now
     * @param refusals reservations it refused, ever
     * @param critical whether it is exempt from the circuit breaker
     */
    public record Budget(String path, long limitBytes, long usedBytes, long refusals, boolean critical) {}
}
