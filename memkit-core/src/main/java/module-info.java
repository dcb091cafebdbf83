/**
 * memkit: memory management for data-intensive services.
 *
 * <ul>
 *   <li>{@code dev.memkit}: shared vocabulary only ({@link dev.memkit.ByteSize},
 *       {@link dev.memkit.MemoryLimitException}); it depends on no other package.</li>
 *   <li>{@code dev.memkit.manager}: the front door {@link dev.memkit.manager.MemoryManager}, which ties budgets,
 *       pools, arenas and pressure together.</li>
 *   <li>{@code dev.memkit.arena}: region allocation over pooled memory ({@link dev.memkit.arena.RegionArena}).</li>
 *   <li>{@code dev.memkit.budget}: budgets, reservations and memory pressure
 *       ({@link dev.memkit.budget.MemoryBudget}, {@link dev.memkit.budget.PressureMonitor}).</li>
 *   <li>{@code dev.memkit.buffer}: a size-class pool of off-heap buffers
 *       ({@link dev.memkit.buffer.BufferPool}).</li>
 *   <li>{@code dev.memkit.stats}: memory snapshots, monitoring, JMX and JFR
 *       ({@link dev.memkit.stats.MemoryMonitor}); the debug endpoint, histograms and profiles are in the
 *       {@code dev.memkit.debug} module.</li>
 *   <li>{@code dev.memkit.leak}: leak detection modes and reports, one vocabulary for every pool
 *       ({@link dev.memkit.leak.LeakDetection}, {@link dev.memkit.leak.LeakReport}).</li>
 *   <li>{@code dev.memkit.pool}: object pools, unbounded per-thread ({@link dev.memkit.pool.LocalPool}) and
 *       bounded with leases ({@link dev.memkit.pool.BoundedPool}).</li>
 * </ul>
 *
 * <p><b>Native access.</b> memkit allocates with {@code Arena} and needs no native access: without it, it calls
 * no restricted method and the JDK prints nothing. Granted ({@code --enable-native-access=dev.memkit}, or
 * {@code ALL-UNNAMED} on the class path), it uses restricted methods in these places, each checked with
 * {@code Module.isNativeAccessEnabled()} first:
 * <ul>
 *   <li>{@code MemorySegment.reinterpret} in {@link dev.memkit.arena.RegionArena}, to scope pooled chunks to a
 *       round (without access, rounds allocate their own chunks instead of reusing pooled ones);</li>
 *   <li>{@code MemorySegment.reinterpret} in {@link dev.memkit.leak.LeakDetection#PARANOID}, to scope each view
 *       to its lease (this debugging mode needs access: without it the JDK warns once);</li>
 *   <li>{@code Linker.downcallHandle} binding {@code madvise}, {@code mmap} and {@code munmap} on Linux, and
 *       {@code reinterpret} on those mappings, so big buffers come from page runs whose idle pages, and outgrown
 *       map tables' pages, go back to the OS (without access memory leaves RSS only when freed).</li>
 * </ul>
 */
@SuppressWarnings("module") // the qualified exports name modules built after this one
module dev.memkit {
    requires transitive java.management;
    requires jdk.management;
    requires jdk.jfr;


    exports dev.memkit;
    exports dev.memkit.arena;
    exports dev.memkit.budget;
    exports dev.memkit.manager;
    exports dev.memkit.buffer;
    exports dev.memkit.leak;
    exports dev.memkit.pool;
    exports dev.memkit.stats;

    // Internals for memkit's own modules only: JSON and jcmd access for the debugging module, page release, I/O
    // error text and the native-region owner for the off-heap structures. No other module may reach them.
    exports dev.memkit.internal to dev.memkit.debug, dev.memkit.offheap;
    exports dev.memkit.region to dev.memkit.offheap;
}
