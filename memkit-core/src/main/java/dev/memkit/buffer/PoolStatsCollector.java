package dev.memkit.buffer;

import java.util.ArrayList;
import java.util.List;

/** Sums a pool's per-stripe and per-depot counters into a {@link BufferPoolStats}. Stateless. */
final class PoolStatsCollector {
    private PoolStatsCollector() {}

    /** {@code huge} holds acquires, releases, requested bytes outstanding and cross-thread releases. */
    static BufferPoolStats collect(BufferPool pool, String name, long limit, long reserved, long highWater,
                                   ClassDepot[] depots, Stripe[] stripes, long[] huge) {
        int n = depots.length;
        long[][] sums = new long[7][n]; // acquires, misses, releases, cross, reqAcquired, reqReleased, cached
        for (Stripe s : stripes) {
            s.lock();
            try {
                for (int c = 0; c < n; c++) {
                    sums[0][c] += s.stat(c, Stripe.ACQUIRES);
                    sums[1][c] += s.stat(c, Stripe.MISSES);
                    sums[2][c] += s.stat(c, Stripe.RELEASES);
                    sums[3][c] += s.stat(c, Stripe.CROSS_THREAD_RELEASES);
                    sums[4][c] += s.stat(c, Stripe.REQUESTED_ACQUIRED);
                    sums[5][c] += s.stat(c, Stripe.REQUESTED_RELEASED);
                    sums[6][c] += s.count[c] * depots[c].blockSize;
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
            long[] k = depots[c].counters();
            long[] u = depots[c].usage();
            long acq = sums[0][c] + k[0];
            long miss = sums[1][c] + k[1];
            long rel = sums[2][c] + k[2];
            long x = sums[3][c] + k[3];
            long bytes = sums[4][c] + k[4] - sums[5][c] - k[5];
            long idleBytes = u[0] + sums[6][c];
            classes.add(new BufferPoolStats.ClassStats(depots[c].blockSize, acq - rel, bytes, idleBytes, u[1],
                    (int) u[2], acq, acq - miss, miss, x));
            leasedCount += acq - rel;
            leasedBytes += bytes;
            idle += idleBytes;
            acquires += acq;
            misses += miss;
            cross += x;
        }
        return new BufferPoolStats(name, limit, reserved, highWater, leasedCount, leasedBytes, idle, acquires,
                acquires - misses, misses, cross, pool.leaks.detected(), huge[0] - huge[1], classes);
    }
}
