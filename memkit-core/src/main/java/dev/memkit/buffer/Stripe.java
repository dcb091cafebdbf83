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
 * acquire/release paths a contended stripe is never waited for: the caller tries one neighbour, then goes to the depot. The holder may block inside
 * (on a depot monitor, or in malloc), so nobody may spin on a stripe without backing off.
 *
 * <p><b>Bounds.</b> At most {@code maxBytes} cached in all, and per class at most {@code limit[c]} blocks;
 * classes whose limit is zero are never cached here.
 */
final class Stripe extends TryLock {
    final Block[][] blocks;
    final int[] count;
    long cachedBytes;
    /** Bumped on every operation; the scavenger flushes stripes whose count did not move for an idle period. */
    long operations;
    long lastSeenOperations;
    /** Acquires left until the next leak-tracking sample (guarded by lock). */
    int sampleCountdown;

    // Per-class statistics (guarded by lock), one row of STATS counters per class in one array, so an acquire or
    // a release updates a single cache line.
    static final int ACQUIRES = 0;
    static final int MISSES = 1;
    static final int RELEASES = 2;
    static final int CROSS_THREAD_RELEASES = 3;
    static final int REQUESTED_ACQUIRED = 4;
    static final int REQUESTED_RELEASED = 5;
    static final int STATS = 6;
    final long[] stats;

    Stripe(int classes) {
        blocks = new Block[classes][];
        count = new int[classes];
        stats = new long[classes * STATS];
    }

    /** Statistic {@code kind} of class {@code c} (caller holds the lock). */
    long stat(int c, int kind) {
        return stats[c * STATS + kind];
    }

    /** Lazily sized per-class stack arrays (most classes are never used by most stripes). */
    void ensureArrays(int c, int limit) {
        if (blocks[c] == null) {
            blocks[c] = new Block[limit];
        }
    }

    /** Moves every cached block to the depots. Caller holds the lock. */
    long flushAll(ClassDepot[] depots) {
        long bytes = 0;
        for (int c = 0; c < count.length; c++) {
            int n = count[c];
            if (n > 0) {
                depots[c].give(blocks[c], 0, n);
                bytes += n * depots[c].blockSize;
                count[c] = 0;
            }
        }
        cachedBytes = 0;
        return bytes;
    }
}
