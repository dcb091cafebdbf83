package dev.memkit.manager;

import dev.memkit.budget.PressureLevel;
import dev.memkit.buffer.BufferPoolStats;
import dev.memkit.pool.BoundedPoolStats;
import dev.memkit.pool.LocalPoolStats;

import java.util.List;

/**
 * A snapshot of a {@link MemoryManager}: the budget, the pressure, and every pool it owns. Instantaneous figures;
 * the pressure is as of the last GC.
 *
 * @param limitBytes the process-wide limit (the root budget's)
 * @param usedBytes bytes reserved on the root budget (pools' native memory, long-lived allocations)
 * @param limitSource where the limit came from
 * @param pressure the current pressure level
 * @param lastPressure the pressure of the last reading, a fraction
 * @param breakerOpen whether non-critical budgets are being refused
 * @param pools the figures of every buffer pool the manager owns, the default pool first
 * @param localPools the figures of every local object pool the manager owns
 * @param boundedPools the figures of every bounded object pool the manager owns
 * @since 0.1
 */
public record MemoryManagerStats(long limitBytes, long usedBytes, String limitSource, PressureLevel pressure,
                                 double lastPressure, boolean breakerOpen, List<BufferPoolStats> pools,
                                 List<LocalPoolStats> localPools, List<BoundedPoolStats> boundedPools) {
    /** Copies the lists so the snapshot is immutable. */
    public MemoryManagerStats {
        pools = List.copyOf(pools);
        localPools = List.copyOf(localPools);
        boundedPools = List.copyOf(boundedPools);
    }
}
