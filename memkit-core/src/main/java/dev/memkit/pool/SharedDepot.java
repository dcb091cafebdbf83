package dev.memkit.pool;

import dev.memkit.internal.TryLock;

/**
 * The shared idle objects of one {@link LocalPool}: what overflows full thread caches, and the whole cache of
 * virtual threads (which get no per-thread state, so millions of them cost nothing).
 *
 * <p><b>Design.</b> A power-of-two array of stripes (twice the core count), each a try-locked primary and
 * victim stack. A caller hashes its thread id to a home stripe and probes at most {@link #PROBES} stripes, never
 * waiting for a lock: a busy stripe is skipped, so a get may miss an object that a busy neighbour holds (it
 * creates a new one) and a put may drop an object (counted). That trade keeps every operation bounded.
 *
 * <p><b>Concurrency.</b> Each stripe's stacks are guarded by its {@link TryLock}. The fast paths only try it; the
 * ager takes each lock with backoff (it may wait).
 */
final class SharedDepot {
    static final int PROBES = 4;

    private final Stripe[] stripes;
    private final int mask;
    private final int stripeCapacity;

    SharedDepot(int capacity) {
        int n = Integer.highestOneBit(Math.max(1, Runtime.getRuntime().availableProcessors() * 2 - 1)) << 1;
        stripes = new Stripe[n];
        mask = n - 1;
        stripeCapacity = Math.max(1, (capacity + n - 1) / n);
        for (int i = 0; i < n; i++) {
            stripes[i] = new Stripe(stripeCapacity);
        }
    }

    private int home(Thread t) {
        long h = t.threadId() * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 40);
    }

    Object get(Thread t) {
        int h = home(t);
        for (int i = 0; i < PROBES && i <= mask; i++) {
            Stripe s = stripes[(h + i) & mask];
            if (s.tryLock()) {
                Object o;
                try {
                    o = s.primary.pop();
                    if (o == null && s.victim != null) {
                        o = s.victim.pop();
                    }
                } finally {
                    s.unlock();
                }
                if (o != null) {
                    return o;
                }
            }
        }
        return null;
    }

    boolean put(Thread t, Object o) {
        int h = home(t);
        for (int i = 0; i < PROBES && i <= mask; i++) {
            Stripe s = stripes[(h + i) & mask];
            if (s.tryLock()) {
                try {
                    if (s.primary.push(o)) {
                        return true;
                    }
                } finally {
                    s.unlock();
                }
            }
        }
        return false;
    }

    /** One aging step over every stripe; returns the objects dropped. */
    int age(boolean dropAll) {
        int dropped = 0;
        for (Stripe s : stripes) {
            s.lock();
            try {
                dropped += s.victim == null ? 0 : s.victim.size;
                if (dropAll) {
                    dropped += s.primary.size;
                    s.victim = null;
                    s.primary = new IdleStack(stripeCapacity);
                } else if (s.primary.size > 0) {
                    s.victim = s.primary;
                    s.primary = new IdleStack(stripeCapacity);
                } else {
                    s.victim = null;
                }
            } finally {
                s.unlock();
            }
        }
        return dropped;
    }

    /** Idle objects held, read racily. */
    long idle() {
        long n = 0;
        for (Stripe s : stripes) {
            IdleStack v = s.victim;
            n += s.primary.size + (v == null ? 0 : v.size);
        }
        return n;
    }

    /** A stripe: its stacks are guarded by the padded lock it extends. */
    static final class Stripe extends TryLock {
        IdleStack primary;     // guarded by the lock
        IdleStack victim;      // guarded by the lock; null when empty

        Stripe(int capacity) {
            primary = new IdleStack(capacity);
        }
    }
}
