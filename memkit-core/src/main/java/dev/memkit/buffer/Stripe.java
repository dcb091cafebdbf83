package dev.memkit.buffer;

import dev.memkit.internal.TryLock;

/**
 * A thread-cache stripe: a small per-class stack of free blocks that one thread at a time owns through a
 * try-lock.
 *
 * <p><b>Design.</b> A thread hashes its id to a stripe and try-locks it; with stripes at twice the core count,
 * a platform thread almost always finds its stripe free and the stripe's cache lines stay in that core's
 * cache, so acquire + release touch no contended memory. Virtual threads share the stripes of the carriers
 * that run them, so there is no per-virtual-thread state to grow or leak (unlike a {@code ThreadLocal}
 * cache). A release from another thread lands in the releaser's stripe, so a reader/compressor hand-off
 * costs the same as a same-thread release; blocks flow back to the acquirer's stripe through the depot in
 * batches.
 *
 * <p><b>Concurrency.</b> Every field is guarded by the {@link TryLock} this stripe extends. On the
 * acquire/release paths a contended stripe is never waited for: the caller tries one neighbour, then goes to the
 * depot. The holder may block inside (on a depot monitor, or in malloc), so nobody may spin on a stripe without
 * backing off.
 *
 * <p><b>Bounds.</b> At most {@code maxBytes} cached in all, and per class at most {@code limit[c]} blocks;
 * classes whose limit is zero are never cached here.
 */
final class Stripe extends TryLock {
    /**
     * One class's share of a stripe: its stack of free blocks, and its counters beside it, so an acquire or a
     * release reads and writes one small object (guarded by the stripe's lock, like everything here).
     */
    static final class ClassCache extends ClassCounters {
        final Block[] blocks;
        int count;
        /** The fewest blocks this cache held since the last {@link #trimUnused}: that many went unused. */
        int low;

        ClassCache(int limit) {
            blocks = new Block[limit];
        }
    }

    /** Operations between two {@link #trimUnused} passes (a power of two). */
    static final int TRIM_INTERVAL = 4096;

    /** Per class, created at the class's first use here (most classes are never used by most stripes). */
    final ClassCache[] caches;
    long cachedBytes;
    /**
     * Bumped on every operation; the scavenger flushes stripes whose count did not move for an idle period, and
     * every {@link #TRIM_INTERVAL} operations the stripe gives back what it did not use ({@link #trimUnused}).
     */
    long operations;
    long lastSeenOperations;
    /** Acquires left until the next leak-tracking sample (guarded by lock). */
    int sampleCountdown;

    Stripe(int classes) {
        caches = new ClassCache[classes];
    }

    /** Class {@code c}'s cache, created with room for {@code limit} blocks if absent. Caller holds the lock. */
    ClassCache cache(int c, int limit) {
        ClassCache k = caches[c];
        if (k == null) {
            k = new ClassCache(limit);
            caches[c] = k;
        }
        return k;
    }

    /**
     * Gives back half of the blocks each class left unused since the last call (its low-water mark), oldest
     * first, so a stripe's cache shrinks to what its threads actually cycle through (as jemalloc's tcache GC
     * does); a class that had to refill meanwhile had a low-water mark of zero and keeps everything. Caller holds
     * the lock.
     */
    void trimUnused(ClassDepot[] depots) {
        for (int c = 0; c < caches.length; c++) {
            ClassCache k = caches[c];
            if (k != null) {
                flushOldest(k, (k.low + 1) / 2, depots[c]);
                k.low = k.count;
            }
        }
    }

    /** Halves every class's cache, oldest blocks first: what a stripe at its byte bound gives up. Caller holds the lock. */
    void halve(ClassDepot[] depots) {
        for (int c = 0; c < caches.length; c++) {
            ClassCache k = caches[c];
            if (k != null) {
                flushOldest(k, (k.count + 1) / 2, depots[c]);
                k.low = Math.min(k.low, k.count);
            }
        }
    }

    /** Moves the {@code n} oldest (bottom) blocks of {@code k} to {@code d}, keeping the warm top in place. */
    void flushOldest(ClassCache k, int n, ClassDepot d) {
        if (n <= 0) {
            return;
        }
        d.give(k.blocks, 0, n);
        int left = k.count - n;
        System.arraycopy(k.blocks, n, k.blocks, 0, left);
        java.util.Arrays.fill(k.blocks, left, k.count, null);
        k.count = left;
        cachedBytes -= n * d.blockSize;
    }

    /** Moves every cached block to the depots. Caller holds the lock. */
    long flushAll(ClassDepot[] depots) {
        long bytes = 0;
        for (int c = 0; c < caches.length; c++) {
            ClassCache k = caches[c];
            if (k != null && k.count > 0) {
                depots[c].give(k.blocks, 0, k.count);
                bytes += k.count * depots[c].blockSize;
                k.count = 0;
                k.low = 0;
            }
        }
        cachedBytes = 0;
        return bytes;
    }
}
