package dev.memkit.buffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * One native allocation, cut into {@code capacity} equal blocks of one size class (or, for a request above
 * the largest class, one dedicated block of exactly the requested size).
 *
 * <p><b>Ownership.</b> The slab owns its {@link #arena}; the pool frees it (closes the arena) only when every
 * block is idle in the depot, so no lease can point into freed memory through memkit's API. A raw
 * {@code MemorySegment} a caller kept past release fails with {@code IllegalStateException} once the slab is
 * freed, never with a crash, because the segment carries the arena's scope.
 *
 * <p><b>Concurrency.</b> {@code carved}, {@code idle}, {@code idleSinceNanos} and {@code freed} are guarded by
 * the owning {@link ClassDepot}'s lock. {@code memory} and the other finals are safely published by
 * construction. {@code trackers} is set once by CAS.
 */
final class Slab {
    final BufferPool pool;
    final ClassDepot depot;          // null for a dedicated (huge) allocation
    final long blockSize;
    final int capacity;
    final Arena arena;               // owned: closed exactly once, when the slab is freed
    final MemorySegment memory;

    int carved;                      // blocks handed out of the slab at least once (guarded by depot lock)
    int idle;                        // blocks sitting in the depot's free stack (guarded by depot lock)
    long idleSinceNanos;             // when idle reached carved (guarded by depot lock)
    boolean freed;                   // arena closed (guarded by depot lock)

    /** Leak trackers by block index, created on the first tracked lease. */
    private volatile AtomicReferenceArray<LeakTracker> trackers;

    Slab(BufferPool pool, ClassDepot depot, long blockSize, int capacity) {
        this.pool = pool;
        this.depot = depot;
        this.blockSize = blockSize;
        this.capacity = capacity;
        this.arena = Arena.ofShared();
        try {
            this.memory = arena.allocate(blockSize * capacity, blockSize >= 4096 ? 4096 : 64);
        } catch (OutOfMemoryError | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    long bytes() {
        return blockSize * capacity;
    }

    boolean fullyIdle() {
        return idle == carved;
    }

    void free() {
        freed = true;
        arena.close();
    }

    void track(int index, LeakTracker tracker) {
        AtomicReferenceArray<LeakTracker> t = trackers;
        if (t == null) {
            synchronized (this) {
                t = trackers;
                if (t == null) {
                    t = new AtomicReferenceArray<>(capacity);
                    trackers = t;
                }
            }
        }
        t.set(index, tracker);
    }

    /**
     * Removes and returns the tracker of a block, or null when the lease was not tracked. The plain (volatile) read
     * first keeps the common untracked release free of a locked instruction; only the lease's holder releases it,
     * and the leak poller cannot race for a lease that is still reachable, so the read cannot miss a tracker.
     */
    LeakTracker untrack(int index) {
        AtomicReferenceArray<LeakTracker> t = trackers;
        if (t == null || t.get(index) == null) {
            return null;
        }
        return t.getAndSet(index, null);
    }

    /** Removes the tracker if it is still the registered one; false means the lease was released normally. */
    boolean untrack(int index, LeakTracker tracker) {
        AtomicReferenceArray<LeakTracker> t = trackers;
        return t != null && t.compareAndSet(index, tracker, null);
    }

    LeakTracker trackerAt(int index) {
        AtomicReferenceArray<LeakTracker> t = trackers;
        return t == null ? null : t.get(index);
    }
}
