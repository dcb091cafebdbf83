package dev.memkit.stats;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.memkit.manager.MemoryManager;
import dev.memkit.manager.MemoryManagerStats;
import dev.memkit.budget.MemoryBudget;
import dev.memkit.internal.DiagnosticCommands;
import dev.memkit.internal.Durations;
import dev.memkit.internal.ProcessMemory;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Takes {@link MemoryStats} snapshots. Holds the state a snapshot needs from the past: a GC-notification listener
 * for pause percentiles and the previous allocation count for the allocation rate.
 *
 * <p>Ownership and thread-safety: the collector owns its GC listeners; {@link #close()} removes them. Snapshots
 * may be taken from any thread; they are serialised, so the allocation rate is always between two consecutive
 * snapshots. A snapshot reads MXBeans and {@code /proc/self/status}, and runs the NMT summary command when Native
 * Memory Tracking is on (milliseconds); it does not trigger a GC.
 *
 * @since 0.1
 */
public final class MemoryStatsCollector implements AutoCloseable {
    private static final Pattern NMT_TOTAL = Pattern.compile("Total: reserved=(\\d+)(\\w*), committed=(\\d+)(\\w*)");

    private final MemoryManager manager;
    private final long pauseWindowNanos;
    private final boolean nmt;
    private final GcPauses pauses;
    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    // The JVM's pools and collectors are fixed at start-up: look them up once, not per snapshot.
    private final List<MemoryPoolMXBean> memoryPools = ManagementFactory.getMemoryPoolMXBeans();
    private final List<GarbageCollectorMXBean> gcs = ManagementFactory.getGarbageCollectorMXBeans();
    private final List<BufferPoolMXBean> nioPools = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class);
    private long lastAllocated = -1;
    private long lastNanos;

    private MemoryStatsCollector(Builder b) {
        manager = b.manager;
        pauseWindowNanos = Durations.saturatedNanos(b.pauseWindow);
        pauses = new GcPauses(b.jfrPauses);
        nmt = b.nativeMemoryTracking == null ? nmtEnabled() : b.nativeMemoryTracking;
    }

    /**
     * A collector of JVM figures only.
     *
     * @return a new collector
     */
    public static MemoryStatsCollector create() {
        return builder().build();
    }

    /**
     * Starts configuring a collector.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    private static boolean nmtEnabled() {
        try {
            HotSpotDiagnosticMXBean hs = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            return !"off".equals(hs.getVMOption("NativeMemoryTracking").getValue());
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Takes a snapshot now.
     *
     * @return the snapshot
     */
    public synchronized MemoryStats snapshot() {
        long now = System.nanoTime();
        MemoryUsage heap = memory.getHeapMemoryUsage();
        List<MemoryStats.Pool> pools = new ArrayList<>();
        long heapAfterGc = 0;
        for (MemoryPoolMXBean p : memoryPools) {
            MemoryUsage u = p.getUsage();
            MemoryUsage after = p.getCollectionUsage();
            boolean isHeap = p.getType() == MemoryType.HEAP;
            long afterGc = after == null ? -1 : after.getUsed();
            if (isHeap && afterGc > 0) {
                heapAfterGc += afterGc;
            }
            pools.add(new MemoryStats.Pool(p.getName(), isHeap, u.getUsed(), u.getCommitted(), u.getMax(), afterGc));
        }
        List<MemoryStats.Collector> collectors = new ArrayList<>();
        for (GarbageCollectorMXBean gc : gcs) {
            collectors.add(new MemoryStats.Collector(gc.getName(), gc.getCollectionCount(), gc.getCollectionTime()));
        }
        long allocated = allocatedBytes();
        double rate = Double.NaN;
        if (allocated >= 0 && lastAllocated >= 0 && now > lastNanos) {
            rate = (allocated - lastAllocated) * 1e9 / (now - lastNanos);
        }
        lastAllocated = allocated;
        lastNanos = now;
        List<MemoryStats.NioPool> nio = new ArrayList<>();
        for (BufferPoolMXBean b : nioPools) {
            nio.add(new MemoryStats.NioPool(b.getName(), b.getCount(), b.getMemoryUsed(), b.getTotalCapacity()));
        }
        long[] proc = ProcessMemory.read();
        long[] nmtTotals = nmt ? nmtTotals() : new long[] {-1, -1};
        List<MemoryStats.Budget> budgets = List.of();
        MemoryManagerStats memkit = null;
        if (manager != null) {
            budgets = budgetsOf(manager.budget());
            memkit = manager.stats();
        }
        return new MemoryStats(Instant.now(), heap.getUsed(), heap.getCommitted(), heap.getMax(), heapAfterGc,
                pools, collectors, pauses.pauses(now, pauseWindowNanos), allocated, rate, nio, proc[0], proc[1],
                threads.getThreadCount(), threads.getDaemonThreadCount(), nmtTotals[0], nmtTotals[1], budgets,
                memkit);
    }

    private long allocatedBytes() {
        if (threads instanceof com.sun.management.ThreadMXBean t && t.isThreadAllocatedMemoryEnabled()) {
            try {
                return t.getTotalThreadAllocatedBytes();
            } catch (UnsupportedOperationException e) {
                return -1;
            }
        }
        return -1;
    }

    /** A budget and all its descendants, depth first, root first. */
    static List<MemoryStats.Budget> budgetsOf(MemoryBudget root) {
        List<MemoryStats.Budget> out = new ArrayList<>();
        addBudgets(root, out);
        return out;
    }

    private static void addBudgets(MemoryBudget b, List<MemoryStats.Budget> out) {
        out.add(new MemoryStats.Budget(b.path(), b.limit(), b.used(), b.refusals(), b.critical()));
        for (MemoryBudget child : b.children()) {
            addBudgets(child, out);
        }
    }

    /** {@code {reserved, committed}} from {@code VM.native_memory summary}. */
    static long[] nmtTotals() {
        try {
            return parseNmtTotals(DiagnosticCommands.run("vmNativeMemory", "summary"));
        } catch (UnsupportedOperationException e) {
            return new long[] {-1, -1};
        }
    }

    static long[] parseNmtTotals(String summary) {
        Matcher m = NMT_TOTAL.matcher(summary);
        if (!m.find()) {
            return new long[] {-1, -1};
        }
        return new long[] {bytes(m.group(1), m.group(2)), bytes(m.group(3), m.group(4))};
    }

    private static long bytes(String number, String unit) {
        long n = Long.parseLong(number);
        return switch (unit.toUpperCase(java.util.Locale.ROOT)) {
            case "KB" -> n << 10;
            case "MB" -> n << 20;
            case "GB" -> n << 30;
            default -> n;
        };
    }

    /** Stops listening to GC notifications. */
    @Override
    public void close() {
        pauses.close();
    }

    /** Configuration of a {@link MemoryStatsCollector}. Not thread-safe; build once. */
    public static final class Builder {
        private MemoryManager manager;
        private Duration pauseWindow = Duration.ofSeconds(60);
        private Boolean nativeMemoryTracking;
        private boolean jfrPauses;

        private Builder() {
        }

        /**
         * Times GC pauses with JFR ({@code jdk.GCPhasePause}, nanoseconds) instead of the collectors' notifications
         * (milliseconds): for ZGC and Shenandoah, whose pauses are shorter than a millisecond. Costs a JFR stream
         * (a thread, and events delivered about once a second, so a pause shows up to a second late). Default off.
         *
         * @param enabled true to use JFR (notifications remain the source if JFR is unavailable)
         * @return this builder
         */
        public Builder jfrPauses(boolean enabled) {
            this.jfrPauses = enabled;
            return this;
        }

        /**
         * Includes a manager's budgets, pools and pressure in every snapshot.
         *
         * @param manager the manager
         * @return this builder
         */
        public Builder manager(MemoryManager manager) {
            this.manager = Objects.requireNonNull(manager, "manager");
            return this;
        }

        /**
         * The window GC pause percentiles cover. Default 60 s.
         *
         * @param window at least one second
         * @return this builder
         */
        public Builder pauseWindow(Duration window) {
            if (Objects.requireNonNull(window, "window").toMillis() < 1000) {
                throw new IllegalArgumentException("pauseWindow must be at least 1 s: " + window);
            }
            this.pauseWindow = window;
            return this;
        }

        /**
         * Whether to read NMT totals (a diagnostic command per snapshot). Default: when the JVM runs with
         * {@code -XX:NativeMemoryTracking=summary} or {@code detail}.
         *
         * @param enabled true to read them
         * @return this builder
         */
        public Builder nativeMemoryTracking(boolean enabled) {
            this.nativeMemoryTracking = enabled;
            return this;
        }

        /**
         * Builds the collector and starts listening to GC notifications.
         *
         * @return the collector
         */
        public MemoryStatsCollector build() {
            return new MemoryStatsCollector(this);
        }
    }
}
