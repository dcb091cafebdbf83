package dev.memkit.manager;

import dev.memkit.arena.RegionArena;

import java.lang.foreign.MemorySegment;

/**
 * Memory handed out by {@link MemoryManager#allocate(long, Lifetime)}, with the strategy that served it.
 *
 * <p><b>Ownership.</b> The caller owns the memory until {@link #close()} (for {@link Strategy#ARENA}, until its
 * scope ends; closing does nothing). Closing twice throws. Thread-safety follows the strategy: pooled and dedicated
 * allocations may be used and closed from any thread; arena allocations belong to the scope's thread.
 *
 * @since 0.1
 */
public sealed interface Allocation extends AutoCloseable
        permits PooledAllocation, ScopedAllocation, DedicatedAllocation {

    /** Which allocator served an allocation. */
    enum Strategy {
        /** A {@link dev.memkit.buffer.BufferPool} lease (or its dedicated block above the largest class). */
        POOLED,
        /** A slice of the enclosing scope's {@link RegionArena}. */
        ARENA,
        /** A native allocation of its own, charged to the manager's budget. */
        DEDICATED
    }

    /**
     * The memory, exactly the requested size.
     *
     * @return the segment
     * @throws IllegalStateException once closed (or, for arena allocations, once the scope ended)
     */
    MemorySegment segment();

    /**
     * The strategy that served this allocation.
     *
     * @return the strategy
     */
    Strategy strategy();

    /** Returns the memory (a no-op for arena allocations, freed with their scope). */
    @Override
    void close();
}
