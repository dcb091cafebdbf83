/**
 * memkit: memory management for data-intensive services.
 *
 * <ul>
 *   <li>{@code dev.memkit}: the front door {@link dev.memkit.MemoryManager} and shared vocabulary
 *       ({@link dev.memkit.ByteSize}).</li>
 *   <li>{@code dev.memkit.arena}: region allocation over pooled memory ({@link dev.memkit.arena.RegionArena}).</li>
 *   <li>{@code dev.memkit.budget}: budgets, reservations and memory pressure
 *       ({@link dev.memkit.budget.MemoryBudget}, {@link dev.memkit.budget.PressureMonitor}).</li>
 *   <li>{@code dev.memkit.buffer}: a size-class pool of off-heap buffers
 *       ({@link dev.memkit.buffer.BufferPool}).</li>
 *   <li>{@code dev.memkit.offheap}: pointer-free off-heap records
 *       ({@link dev.memkit.offheap.StructLayouts}).</li>
 *   <li>{@code dev.memkit.stats}: memory snapshots, monitoring, profiles, JMX, JFR and the debug endpoint
 *       ({@link dev.memkit.stats.MemoryMonitor}, {@link dev.memkit.stats.DebugEndpoint}).</li>
 *   <li>{@code dev.memkit.pool}: object pools, unbounded per-thread ({@link dev.memkit.pool.LocalPool}) and
 *       bounded with leases ({@link dev.memkit.pool.BoundedPool}).</li>
 * </ul>
 *
 * <p><b>Native access.</b> memkit allocates with {@code Arena}. It calls one restricted method,
 * {@code MemorySegment.reinterpret}, in two places where the JDK offers no other way to give pooled memory a
 * scope of its own: {@link dev.memkit.arena.RegionArena} (each round's segments die with the round) and the
 * debugging mode {@link dev.memkit.buffer.LeakDetection#PARANOID} (each view dies with its lease). Grant
 * {@code --enable-native-access=dev.memkit} when using either, or the JDK prints a warning; the buffer pool,
 * budgets and the manager need nothing. {@code Linker.downcallHandle} (binding {@code madvise}, {@code mmap} and
 * {@code munmap}, so big buffers come from page runs whose idle pages, and outgrown map tables' pages, go back
 * to the OS) and {@code reinterpret} on those mappings are called only when native access is already granted:
 * without it memory leaves RSS only when freed, and no warning is printed.
 */
module dev.memkit {
    requires transitive java.management;
    requires jdk.management;
    requires jdk.jfr;
    requires jdk.httpserver;


    exports dev.memkit;
    exports dev.memkit.arena;
    exports dev.memkit.budget;
    exports dev.memkit.buffer;
    exports dev.memkit.offheap;
    exports dev.memkit.pool;
    exports dev.memkit.stats;
}
