package dev.memkit.buffer;

/**
 * One size class's operation counters, kept by each stripe (per class) and by the class's depot; the pool's
 * statistics sum them. Not thread-safe: each owner guards its counters with its own lock. Sealed: a stripe's
 * {@link Stripe.ClassCache} extends it so its counters sit in the same object as its stack.
 */
sealed class ClassCounters permits Stripe.ClassCache {
    long acquires;
    long misses;             // acquires served by a newly carved block
    long releases;
    long crossThreadReleases;
    long requestedAcquired;  // bytes asked for, summed over acquires
    long requestedReleased;  // and over releases: the difference is what leases currently hold

    final void countAcquire(long requested, boolean miss) {
        acquires++;
        requestedAcquired += requested;
        if (miss) {
            misses++;
        }
    }

    final void countRelease(long requested, boolean crossThread) {
        releases++;
        requestedReleased += requested;
        if (crossThread) {
            crossThreadReleases++;
        }
    }

    /** Adds these counters into {@code sums}, in field order. */
    final void addTo(long[] sums) {
        sums[0] += acquires;
        sums[1] += misses;
        sums[2] += releases;
        sums[3] += crossThreadReleases;
        sums[4] += requestedAcquired;
        sums[5] += requestedReleased;
    }
}
