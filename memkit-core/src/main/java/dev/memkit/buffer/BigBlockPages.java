package dev.memkit.buffer;

import dev.memkit.internal.PageRelease;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Page release for one pool's big blocks: the classes the thread caches do not hold, from
 * {@link #PURGEABLE_BLOCK_BYTES} up, when {@link PageRelease} is available and the pool allows it.
 *
 * <p><b>Algorithm.</b> {@link Block#dirty} tracks how far from its start a block may be resident; a holder is
 * assumed to touch its whole request (a fresh slab is wholly resident, since the JDK zeroes it). Three rules keep
 * resident memory close to what leases asked for:
 * <ul>
 *   <li>at acquire, pages a previous, larger lease left resident beyond this request are dropped (when at least
 *       {@link #TAIL_RELEASE_BYTES}), so class rounding and lending cost no RSS;</li>
 *   <li>at release, a block whose resident pages would lift the pool's resident idle memory above
 *       {@code max(retainedBytes, leased / RESIDENT_IDLE_SHARE)} drops them before it is stacked (the depots of
 *       these classes count resident bytes in the pool's idle counter, see {@link ClassDepot#purgeable});</li>
 *   <li>an empty class borrows an idle block of a class up to {@link #MAX_LEND_RATIO} times its size, resident
 *       ones first: the dropped tail costs no RSS and the front reuses mapped pages, where a new slab would be
 *       faulted in and zeroed in full. Per-class free lists alone rarely hold the class a random size needs.</li>
 * </ul>
 * The pool's slabs of these classes also drop their pages before they are freed ({@link Slab#free}).
 *
 * <p><b>Concurrency.</b> Every page release acts on a block its caller owns exclusively (just popped, or not yet
 * returned), never on a stacked one, so no holder's data is dropped. {@code leased} is an atomic counter; the
 * allowance it feeds is a heuristic, so racy reads of it and of the idle counter are fine.
 */
final class BigBlockPages {
    static final long PURGEABLE_BLOCK_BYTES = 64L << 10;
    static final long TAIL_RELEASE_BYTES = 64L << 10;
    /** Resident idle memory of these classes may reach this fraction of their leased bytes (or retainedBytes). */
    static final int RESIDENT_IDLE_SHARE = 4;
    /** A block lent to a smaller class is at most this many times the class's size (it counts in full against
     * the pool's limit). */
    static final int MAX_LEND_RATIO = 2;

    private final ClassDepot[] depots;
    private final IdleMemory idle;
    private final long retainedBytes;
    private final AtomicLong leased = new AtomicLong(); // page-rounded bytes leased from these classes

    BigBlockPages(ClassDepot[] depots, IdleMemory idle, long retainedBytes) {
        this.depots = depots;
        this.idle = idle;
        this.retainedBytes = retainedBytes;
    }

    /** An idle block for purgeable class {@code c} (see the lending rule), or null. */
    Block take(int c) {
        long largest = depots[c].blockSize * MAX_LEND_RATIO;
        for (int pass = 0; pass < 2; pass++) {
            for (int k = c; k < depots.length && depots[k].purgeable && depots[k].blockSize <= largest; k++) {
                Block b = depots[k].takeIdle(pass == 0);
                if (b != null) {
                    return b;
                }
            }
        }
        return null;
    }

    /** Prepares a block the caller just took for a lease of {@code size}; {@code fresh} if its slab is new. */
    void onAcquire(Block b, long size, boolean fresh) {
        if (fresh && !b.slab.mapped) {
            b.dirty = b.slab.blockSize; // Arena.allocate zeroed it: every page is resident
        }
        long need = PageRelease.pageUp(size);
        if (b.dirty - need >= TAIL_RELEASE_BYTES
                && PageRelease.release(b.slab.memory, b.offset + need, b.offset + b.dirty) > 0) {
            b.dirty = need;
        }
        if (b.dirty < need) {
            b.dirty = need;
        }
        leased.addAndGet(need);
    }

    /** A lease of {@code size} bytes on a block of these classes leaked; its block was reclaimed by the GC. */
    void onLeaked(long size) {
        leased.addAndGet(-PageRelease.pageUp(size));
    }

    /** Page-rounded bytes currently leased from these classes (for tests). */
    long leasedBytes() {
        return leased.get();
    }

    /** Called for a released block before it is stacked. */
    void onRelease(Block b, long size) {
        long allowance = Math.max(retainedBytes, leased.addAndGet(-PageRelease.pageUp(size)) / RESIDENT_IDLE_SHARE);
        if (b.dirty > 0 && idle.depotIdle.getOpaque() + b.dirty > allowance
                && PageRelease.release(b.slab.memory, b.offset, b.offset + b.dirty) > 0) {
            b.dirty = 0;
        }
    }
}
