package dev.memkit.buffer;

import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A pool's dedicated allocations: requests above the largest size class, each served by a slab of its own (one
 * block of exactly the request, rounded to {@link SizeClasses#QUANTUM}) and freed at release.
 *
 * <p><b>Ownership and concurrency.</b> The pool owns these slabs; the live set is concurrent, and whoever removes a
 * slab from it (release, leak reclaim or nobody else) frees it, once. Counters are atomics; a snapshot of several
 * of them may mix moments, as every pool statistic does.
 */
final class HugeAllocations {
    private final PoolLimit limit;
    private final Set<Slab> live = ConcurrentHashMap.newKeySet();
    private final AtomicLong acquires = new AtomicLong();
    private final AtomicLong releases = new AtomicLong();
    private final AtomicLong requested = new AtomicLong();
    private final AtomicLong crossThread = new AtomicLong();

    HugeAllocations(PoolLimit limit) {
        this.limit = limit;
    }

    /** Records a new dedicated slab leased for {@code size} bytes. */
    void added(Slab slab, long size) {
        live.add(slab);
        acquires.incrementAndGet();
        requested.addAndGet(size);
    }

    /** A lease of {@code size} bytes on {@code slab} was released, or reclaimed as a leak: frees the slab. */
    void released(Slab slab, long size, boolean cross) {
        releases.incrementAndGet();
        requested.addAndGet(-size);
        if (cross) {
            crossThread.incrementAndGet();
        }
        if (live.remove(slab)) {
            slab.free();
            limit.unreserve(slab.bytes());
        }
    }

    Collection<Slab> slabs() {
        return live;
    }

    /** Acquires, releases, requested bytes outstanding and cross-thread releases, in that order. */
    long[] counters() {
        return new long[] {acquires.get(), releases.get(), requested.get(), crossThread.get()};
    }
}
