package dev.memkit.buffer;

import java.util.ArrayList;
import java.util.List;

/** Sums a pool's per-stripe and per-depot counters into a {@link BufferPoolStats}. Stateless. */
final class PoolStatsCollector {
    private PoolStatsCollector() {}

    /**
     * {@code huge} holds acquires, releases, requested bytes outstanding and cross-thread releases; {@code pageHeap}
     * is null without page release.
     */
    static BufferPoolStats collect(String name, PoolLimit limit, ClassDepot[] depots, Stripe[] stripes, long[] huge,
                                   PageHeap pageHeap, Leaks leaks) {
        int n = depots.length;
        long[][] sums = new long[n][7]; // per class: ClassCounters.addTo's six, then cached bytes
        for (Stripe s : stripes) {
            s.lock();
            try {
                for (int c = 0; c < n; c++) {
                    Stripe.ClassCache k = s.caches[c];
                    if (k != null) {
                        k.addTo(sums[c]);
                        sums[c][6] += k.count * depots[c].blockSize;
                    }
                }
            } finally {
                s.unlock();
            }
        }
        List<BufferPoolStats.ClassStats> classes = new ArrayList<>(n);
        long leasedCount = huge[0] - huge[1];
        long leasedBytes = huge[2];
        long idle = 0;
        long acquires = huge[0];
        long misses = huge[0];
        long cross = huge[3];
        for (int c = 0; c < n; c++) {
            long[] k = sums[c];
            depots[c].addCountersTo(k);
            long[] u = depots[c].usage();
            long acq = k[0];
            long miss = k[1];
            long rel = k[2];
            long x = k[3];
            long bytes = k[4] - k[5];
            long idleBytes = u[0] + k[6];
            // Held by leases: whole runs of pages for a paged class (its reserved bytes), blocks of the class otherwise.
            long held = depots[c].paged ? u[1] : (acq - rel) * depots[c].blockSize;
            classes.add(new BufferPoolStats.ClassStats(depots[c].blockSize, acq - rel, bytes, idleBytes, u[1],
                    (int) u[2], acq, acq - miss, miss, x, Math.max(0, held - bytes)));
            leasedCount += acq - rel;
            leasedBytes += bytes;
            idle += idleBytes;
            acquires += acq;
            misses += miss;
            cross += x;
        }
        if (pageHeap != null) {
            idle += pageHeap.idleBytes();
        }
        return new BufferPoolStats(name, limit.limit, limit.reserved.get(), limit.highWater.get(), leasedCount,
                leasedBytes, idle, acquires, acquires - misses, misses, cross, leaks.detected(), leaks.quarantined(),
                huge[0] - huge[1], classes);
    }
}
