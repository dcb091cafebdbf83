package dev.memkit.buffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

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
 * <p><b>Concurrency.</b> {@link #lock} is taken with a CAS ({@code compareAndExchangeAcquire}) and released
 * with {@code setRelease}; every other field is guarded by it. On the acquire/release paths a contended stripe
 * is never waited for: the caller tries one neighbour, then goes to the depot. The holder may block inside
 * (on a depot monitor, or in malloc), so nobody may spin on a stripe without backing off.
 *
 * <p><b>Bounds.</b> At most {@code maxBytes} cached in all, and per class at most {@code limit[c]} blocks;
 * classes whose limit is zero are never cached here.
 */
final class Stripe {
    private static final VarHandle LOCK;

    static {
        try {
            LOCK = MethodHandles.lookup().findVarHandle(Stripe.class, "lock", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    // Padding keeps the lock word of neighbouring stripes off one cache line (JCTools-style).
    long p00, p01, p02, p03, p04, p05, p06, p07;
    @SuppressWarnings("unused") // accessed through LOCK
    private int lock;
    long p10, p11, p12, p13, p14, p15, p16, p17;

    final Slab[][] slabs;
    final int[][] indexes;
    final int[] count;
    long cachedBytes;
    /** Bumped on every operation; the scavenger flushes stripes whose count did not move for an idle period. */
    long operations;
    long lastSeenOperations;
    /** Acquires left until the next leak-tracking sample (guarded by lock). */
    int sampleCountdown;

    // Per-class statistics (guarded by lock).
    final long[] acquires;
    final long[] misses;
    final long[] releases;
    final long[] crossThreadReleases;
    final long[] requestedAcquired;
    final long[] requestedReleased;

    Stripe(int classes) {
        slabs = new Slab[classes][];
        indexes = new int[classes][];
        count = new int[classes];
        acquires = new long[classes];
        misses = new long[classes];
        releases = new long[classes];
        crossThreadReleases = new long[classes];
        requestedAcquired = new long[classes];
        requestedReleased = new long[classes];
    }

    boolean tryLock() {
        return (int) LOCK.compareAndExchangeAcquire(this, 0, 1) == 0;
    }

    /**
     * Blocking acquire for the rare paths that must visit every stripe (flush, stats). It backs off to
     * {@code yield} and then {@code parkNanos} rather than spinning forever: the holder may be a virtual thread
     * unmounted while blocked on a depot monitor, and it can only be remounted if carriers are free.
     */
    void lock() {
        for (int spins = 0; !tryLock(); spins++) {
            if (spins < 64) {
                Thread.onSpinWait();
            } else if (spins < 128) {
                Thread.yield();
            } else {
                LockSupport.parkNanos(10_000);
            }
        }
    }

    void unlock() {
        LOCK.setRelease(this, 0);
    }

    /** Lazily sized per-class stack arrays (most classes are never used by most stripes). */
    void ensureArrays(int c, int limit) {
        if (slabs[c] == null) {
            slabs[c] = new Slab[limit];
            indexes[c] = new int[limit];
        }
    }

    /** Moves every cached block to the depots. Caller holds the lock. */
    long flushAll(ClassDepot[] depots) {
        long bytes = 0;
        for (int c = 0; c < count.length; c++) {
            int n = count[c];
            if (n > 0) {
                depots[c].give(slabs[c], indexes[c], 0, n);
                bytes += n * depots[c].blockSize;
                count[c] = 0;
            }
        }
        cachedBytes = 0;
        return bytes;
    }
}
