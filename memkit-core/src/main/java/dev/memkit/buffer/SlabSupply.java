package dev.memkit.buffer;

import dev.memkit.ByteSize;
import dev.memkit.budget.MemoryBudget;
import dev.memkit.internal.MemkitEvents;

import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Where a pool's slabs come from, and what the pool does at its limit: reserves a slab's bytes against the
 * limit and allocates it, and {@link #untilRoom} tries an acquisition until it succeeds, reclaiming without waiting
 * (leaks, thread caches, idle slabs) and then waiting for a release, in turn, until the deadline; then it builds the
 * exception that names the limit, the request and the usage.
 *
 * <p><b>Concurrency.</b> No state of its own beyond final references; every method may run on any thread, relying
 * on the limit's atomics and the depots' locks.
 */
final class SlabSupply {
    /** How long a timed-out acquire gives the reference handler to enqueue leaks after asking for a GC. */
    private static final long LEAK_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** Makes a slab whose bytes are reserved (the pool's constructor: slabs point to their pool). */
    @FunctionalInterface
    interface SlabMaker {
        Slab make(ClassDepot depot, long blockSize, int count);
    }

    private final String poolName;
    private final PoolLimit limit;
    private final IdleMemory idle;
    private final Leaks leaks;
    private final SlabMaker maker;
    private final Supplier<BufferPoolStats> stats;
    private final Scavenger scavenger;     // null when the pool has none

    SlabSupply(String poolName, PoolLimit limit, IdleMemory idle, Leaks leaks, SlabMaker maker,
               Supplier<BufferPoolStats> stats, Scavenger scavenger) {
        this.poolName = poolName;
        this.limit = limit;
        this.idle = idle;
        this.leaks = leaks;
        this.maker = maker;
        this.stats = stats;
        this.scavenger = scavenger;
    }

    /** Reserves a slab's bytes and allocates it, or returns null at the limit (or for a paged class: no slabs). */
    Slab newSlab(ClassDepot d) {
        if (d.paged) {
            return null;
        }
        if (limit.tryReserve(d.blockSize * d.blocksPerSlab)) {
            return allocate(d, d.blockSize, d.blocksPerSlab, d.blockSize);
        }
        // Near the limit a whole slab may not fit where one block still does: use the limit to the byte.
        if (d.blocksPerSlab > 1 && limit.tryReserve(d.blockSize)) {
            return allocate(d, d.blockSize, 1, d.blockSize);
        }
        return null;
    }

    /** Allocates a slab whose bytes the caller reserved; gives them back if the OS refuses the memory. */
    Slab allocate(ClassDepot d, long blockSize, int count, long requested) {
        try {
            Slab slab = maker.make(d, blockSize, count);
            if (scavenger != null) {
                scavenger.startIfNeeded();
            }
            return slab;
        } catch (OutOfMemoryError | RuntimeException e) {
            limit.unreserve(blockSize * count);
            throw new PoolExhaustedException("BufferPool '" + poolName + "': the operating system refused "
                    + ByteSize.format(blockSize * count) + " of native memory for a request of "
                    + ByteSize.format(requested) + " (pool holds " + ByteSize.format(limit.reserved.get()) + ")",
                    requested, limit.limit, limit.reserved.get(), e);
        }
    }

    /**
     * Calls {@code attempt} until it returns non-null: after a miss, reclaims what needs no waiting and tries
     * again; after a second miss, waits for a release (see {@link #awaitSpace}) and starts over. Returns null, or
     * throws with {@code orThrow}, once {@code timeoutNanos} have passed; {@code attempt} checks that the pool is
     * open.
     */
    <T> T untilRoom(Supplier<T> attempt, long requested, long timeoutNanos, boolean orThrow) {
        long deadline = System.nanoTime() + timeoutNanos;
        for (boolean reclaimed = false; ; ) {
            T got = attempt.get();
            if (got != null) {
                return got;
            }
            if (!reclaimed) {
                idle.reclaimAll();
                reclaimed = true;
                continue;
            }
            if (!awaitSpace(requested, deadline, timeoutNanos, orThrow)) {
                return null;
            }
            reclaimed = false;
        }
    }

    /**
     * Waits one slice for a release or a free; false (or an exception) when the deadline passed. Before giving up,
     * a caller that could wait lets the GC look for leaked leases ({@link Leaks#collectUnreachable}): true if that
     * brought any memory back.
     */
    private boolean awaitSpace(long requested, long deadline, long timeoutNanos, boolean orThrow) {
        MemkitEvents.PoolWait event = MemkitEvents.beginWait();
        PoolLimit.Wait w = limit.await(deadline);
        if (w == PoolLimit.Wait.TIMED_OUT && timeoutNanos > 0 && leaks.collectUnreachable(LEAK_WAIT_NANOS)) {
            w = PoolLimit.Wait.RETRY;
        }
        MemkitEvents.endWait(event, poolName, "buffer", w == PoolLimit.Wait.RETRY);
        if (w == PoolLimit.Wait.RETRY) {
            return true;
        }
        if (!orThrow) {
            return false;
        }
        throw exhausted(requested, w == PoolLimit.Wait.INTERRUPTED ? "interrupted while waiting"
                : "nothing was released within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms", null);
    }

    /** ", plus W of rounding waste (most in the C class: see SizeClasses)", or nothing. */
    private static String waste(BufferPoolStats st) {
        BufferPoolStats.ClassStats worst = st.mostWastefulClass();
        if (worst == null) {
            return "";
        }
        return ", plus " + ByteSize.format(st.roundingWasteBytes()) + " of rounding waste (requests rounded up to "
                + "their size class; " + ByteSize.format(worst.roundingWasteBytes()) + " of it by "
                + worst.leasedCount() + " leases in the " + ByteSize.format(worst.blockSize())
                + " class: finer size classes would avoid it)";
    }

    PoolExhaustedException exhausted(long requested, String why, Throwable cause) {
        long held = limit.reserved.get();
        MemkitEvents.poolExhausted(poolName, "buffer", requested, limit.limit, held);
        MemoryBudget budget = limit.charge.budget();
        BufferPoolStats st = stats.get();
        return new PoolExhaustedException("BufferPool '" + poolName + "' is at its limit of "
                + ByteSize.format(limit.limit) + ": cannot serve a request of " + ByteSize.format(requested)
                + " (" + why + "); holds " + ByteSize.format(held) + ", of which "
                + ByteSize.format(st.leasedBytes()) + " requested by " + st.leasedCount() + " leases"
                + waste(st) + " and " + ByteSize.format(st.idleBytes()) + " idle"
                + (budget == null ? "" : "; budget '" + budget.path() + "' has " + ByteSize.format(budget.used())
                        + " of " + ByteSize.format(budget.limit()) + " in use"
                        + (budget.breakerOpen() ? " and its circuit breaker is open" : "")),
                requested, limit.limit, held, cause);
    }
}
