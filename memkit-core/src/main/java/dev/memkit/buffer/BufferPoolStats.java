package dev.memkit.buffer;

import java.util.List;

/**
 * A snapshot of a {@link BufferPool}. Figures are instantaneous; under concurrent use they are gathered stripe by
 * stripe and so may be off by the operations in flight, but they are exact when the pool is quiescent.
 *
 * @param pool the pool's name
 * @param limitBytes the byte limit on native memory
 * @param reservedBytes native bytes held (slabs, dedicated allocations, and the page runs' pages taken or still
 *        resident; mappings' untouched pages do not count)
 * @param highWaterReservedBytes the most native bytes ever held at once
 * @param leasedCount leases not yet released
 * @param leasedBytes bytes requested by those leases
 * @param idleBytes bytes of blocks held by the pool but not leased (thread caches, depots, uncarved, and the
 *        resident free pages of page runs)
 * @param acquires leases handed out, ever
 * @param hits acquires served by reusing a block
 * @param misses acquires that needed fresh memory (a new block, slab, or dedicated allocation)
 * @param crossThreadReleases releases by a thread other than the acquirer
 * @param leaksDetected leases found unreachable unreleased (reclaimed or quarantined)
 * @param leaksQuarantined of those, leases that had handed out a {@code segment()} or {@code byteBuffer()} view:
 *        a view may outlive its lease, so their blocks are never reused and still count as leased
 * @param hugeLeasedCount leases larger than the largest class (each a dedicated allocation)
 * @param classes per-class figures, smallest class first
 * @since 0.1
 */
public record BufferPoolStats(String pool, long limitBytes, long reservedBytes, long highWaterReservedBytes,
                              long leasedCount, long leasedBytes, long idleBytes, long acquires, long hits,
                              long misses, long crossThreadReleases, long leaksDetected, long leaksQuarantined,
                              long hugeLeasedCount,
                              List<ClassStats> classes) {

    /** Copies the list so the snapshot is immutable. */
    public BufferPoolStats {
        classes = List.copyOf(classes);
    }

    /**
     * Native bytes held per byte requested by live leases: 1.0 is perfect; idle memory and class rounding
     * raise it.
     *
     * @return {@code reservedBytes / leasedBytes}, or {@code NaN} when nothing is leased
     */
    public double fragmentation() {
        return leasedBytes == 0 ? Double.NaN : (double) reservedBytes / leasedBytes;
    }

    /**
     * Figures for one size class.
     *
     * @param blockSize the class's block size
     * @param leasedCount leases of this class not yet released
     * @param leasedBytes bytes requested by them
     * @param idleBytes bytes of free blocks of this class held by the pool (0 for a class served by page runs:
     *        their free pages serve every such class and count in the pool's {@code idleBytes} only)
     * @param reservedBytes native bytes of this class's slabs (for a class served by page runs, the whole pages its
     *        leases hold)
     * @param slabs number of slabs (page runs)
     * @param acquires leases handed out, ever
     * @param hits acquires that reused a block (a page run: whose pages were all resident)
     * @param misses acquires that needed a fresh block (fresh pages)
     * @param crossThreadReleases releases by a thread other than the acquirer
     * @param roundingWasteBytes bytes held by this class's leases beyond what they requested: requests rounded up
     *        to the class (or, for page runs, to whole pages)
     */
    public record ClassStats(long blockSize, long leasedCount, long leasedBytes, long idleBytes,
                             long reservedBytes, int slabs, long acquires, long hits, long misses,
                             long crossThreadReleases, long roundingWasteBytes) {}

    /**
     * Bytes that leases hold beyond what they requested, because requests are rounded up to their class (see
     * {@link SizeClasses} for each preset's worst case). High waste with a coarse preset can make a pool look
     * exhausted long before its leases use its limit.
     *
     * @return the sum over classes of {@link ClassStats#roundingWasteBytes()}
     */
    public long roundingWasteBytes() {
        long sum = 0;
        for (ClassStats c : classes) {
            sum += c.roundingWasteBytes();
        }
        return sum;
    }

    /**
     * The class whose leases waste the most by rounding, or null when nothing is wasted.
     *
     * @return that class's figures, or null
     */
    public ClassStats mostWastefulClass() {
        ClassStats worst = null;
        for (ClassStats c : classes) {
            if (c.roundingWasteBytes() > 0 && (worst == null || c.roundingWasteBytes() > worst.roundingWasteBytes())) {
                worst = c;
            }
        }
        return worst;
    }
}
