package dev.memkit.manager;

/**
 * How long an allocation from {@link MemoryManager#allocate(long, Lifetime)} lives; it decides the strategy.
 *
 * @since 0.1
 */
public enum Lifetime {
    /**
     * Released explicitly and soon, possibly by another thread (an I/O buffer handed from reader to writer):
     * a pooled buffer, or a dedicated block above the pool's largest size class.
     */
    TRANSIENT,
    /**
     * Dies with the unit of work that allocated it (a request's scratch space): bump-allocated from the region
     * arena of the enclosing {@link MemoryManager#inScope} and freed, with everything else of the scope, when it
     * ends. Closing the allocation itself does nothing.
     */
    SCOPED,
    /**
     * Kept for a long time (a lookup table, a cache entry): a dedicated allocation charged to the budget, so it
     * never pins a pooled slab that short-lived buffers could otherwise reuse.
     */
    LONG_LIVED
}
