package dev.memkit.buffer;

import dev.memkit.internal.PageRelease;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Page release for one pool's big blocks: the classes the thread caches do not hold, from
 * {@link #PURGEABLE_BLOCK_BYTES} up, when {@link PageRelease} is available and the pool allows it.
 *
 * <p><b>Algorithm.</b> {@link Block#dirty} tracks how far from its start a block may be resident; a holder is
 * assumed to touch its whole request (a fresh slab is wholly resident, since the JDK zeroes it). Two figures steer
 * what idle blocks may keep resident: {@code leased}, the page-rounded bytes leases of these classes asked for, and
 * its high-water mark. Idle memory (the dirty bytes on these classes' depot stacks, {@code residentIdle}, plus the
 * other classes' idle bytes) may fill the gap up to {@code highWater * (1 + 1/HEADROOM)}, or up to
 * {@code retainedBytes} if more. As in Go's scavenger, memory a workload needed recently stays resident for reuse
 * (a page fault costs more than the rest of an acquire), and the total stays within a fixed share of the recent
 * peak. The high-water mark decays towards the current demand on every scavenger pass ({@link #decay}), so a past
 * spike stops counting within seconds. On the footprint trace, this (with these classes no longer held to
 * {@code maxIdleBytes}) cut the page faults per buffer from about 140 to about 60 at the same RSS, and more than
 * doubled the buffers per second. Four rules apply it:
 * <ul>
 *   <li>at acquire, pages a previous, larger lease left resident beyond this request are dropped (when at least
 *       {@link #TAIL_RELEASE_BYTES}), so class rounding and lending cost no RSS;</li>
 *   <li>at acquire, when the rise in demand leaves resident idle memory above the allowance, idle blocks give
 *       their pages back, biggest classes first ({@link #shrinkResidentIdle});</li>
 *   <li>at release, a block whose resident pages would lift resident idle memory above the allowance drops them
 *       before it is stacked;</li>
 *   <li>an empty class borrows an idle block of a class up to {@link #MAX_LEND_RATIO} times its size, resident
 *       ones first: the dropped tail costs no RSS and the front reuses mapped pages, where a new slab would be
 *       faulted in. Per-class free lists alone rarely hold the class a random size needs.</li>
 * </ul>
 * The pool's slabs of these classes also drop their pages before they are freed ({@link Slab#free}). Resident idle
 * memory of these classes is governed here, not by the pool's {@code maxIdleBytes} (which counts the other
 * classes), and the scavenger still frees any slab idle for {@code idleTimeout}.
 *
 * <p><b>Concurrency.</b> Every page release acts on a block its caller owns exclusively (just popped, or not yet
 * returned), never on a stacked one, so no holder's data is dropped. The counters are atomics; the allowance they
 * feed is a heuristic, so racy reads of them are fine (a race costs a fault or a few idle pages, never data).
 */
final class BigBlockPages {
    static final long PURGEABLE_BLOCK_BYTES = 64L << 10;
    static final long TAIL_RELEASE_BYTES = 64L << 10;
    /** Resident memory of these classes may reach {@code highWater * (1 + 1 / HEADROOM)}. */
    static final int HEADROOM = 16;
    /** A block lent to a smaller class is at most this many times the class's size (it counts in full against
     * the pool's limit). */
    static final int MAX_LEND_RATIO = 2;
    /** Idle blocks one acquire may purge to restore the allowance (bounds that acquire's extra work). */
    private static final int MAX_PURGES_PER_ACQUIRE = 4;

    private final ClassDepot[] depots;
    private final long retainedBytes;
    final AtomicLong residentIdle;                      // dirty bytes on these classes' depot stacks
    private final AtomicLong otherIdle;                 // bytes on the other classes' depot stacks (all resident)
    private final AtomicLong leased = new AtomicLong(); // page-rounded bytes leased from these classes
    private final AtomicLong highWater = new AtomicLong();

    /** {@code residentIdle} is the counter the purgeable depots keep (see {@link ClassDepot#purgeable}). */
    BigBlockPages(ClassDepot[] depots, AtomicLong residentIdle, AtomicLong otherIdle, long retainedBytes) {
        this.depots = depots;
        this.otherIdle = otherIdle;
        this.residentIdle = residentIdle;
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
        long demand = leased.addAndGet(need);
        if (demand > highWater.getOpaque()) {
            highWater.accumulateAndGet(demand, Math::max);
        }
        if (b.dirty - need >= TAIL_RELEASE_BYTES
                && PageRelease.release(b.slab.memory, b.offset + need, b.offset + b.dirty) > 0) {
            b.dirty = need;
        }
        if (b.dirty < need) {
            b.dirty = need;
        }
        if (idleResident() > allowance(demand)) {
            shrinkResidentIdle(demand, MAX_PURGES_PER_ACQUIRE);
        }
    }

    /** Resident bytes of these classes' idle blocks. */
    private long idleResident() {
        return residentIdle.getOpaque();
    }

    /** What resident idle memory may reach at a demand of {@code demand} leased bytes. */
    private long allowance(long demand) {
        long peak = highWater.getOpaque();
        return Math.max(retainedBytes, peak + peak / HEADROOM - demand - otherIdle.getOpaque());
    }

    /**
     * Purges up to {@code maxBlocks} idle blocks, biggest classes first, until resident idle memory is within the
     * allowance. Stops at the first block whose pages could not be dropped ({@code madvise} failed): it goes back
     * with its pages on top of its stack, where the next try would take it again, endlessly.
     */
    private void shrinkResidentIdle(long demand, int maxBlocks) {
        int purged = 0;
        for (int k = depots.length - 1; k >= 0 && depots[k].purgeable && purged < maxBlocks; k--) {
            Block b;
            while (purged < maxBlocks && idleResident() > allowance(demand)
                    && (b = depots[k].takeIdle(true)) != null) {
                boolean dropped = PageRelease.release(b.slab.memory, b.offset, b.offset + b.dirty) > 0;
                if (dropped) {
                    b.dirty = 0;
                }
                depots[k].give(b);
                if (!dropped) {
                    return;
                }
                purged++;
            }
        }
    }

    /** A lease of {@code size} bytes on a block of these classes leaked; its block was reclaimed by the GC. */
    void onLeaked(long size) {
        leased.addAndGet(-PageRelease.pageUp(size));
    }

    /** Page-rounded bytes currently leased from these classes (for tests). */
    long leasedBytes() {
        return leased.get();
    }

    /** The decayed high-water mark of {@link #leasedBytes} (for tests). */
    long highWaterBytes() {
        return highWater.get();
    }

    /**
     * Moves the high-water mark halfway down to the current demand ({@code toDemand}: all the way), so what a past
     * peak lets idle blocks keep resident shrinks over a few scavenger passes, and purges idle blocks down to the
     * new allowance (on a pool nobody uses, no acquire or release would).
     */
    void decay(boolean toDemand) {
        long demand = leased.get();
        highWater.getAndUpdate(peak -> peak <= demand ? demand : toDemand ? demand : demand + (peak - demand) / 2);
        shrinkResidentIdle(demand, Integer.MAX_VALUE);
    }

    /** Called for a released block before it is stacked. */
    void onRelease(Block b, long size) {
        long demand = leased.addAndGet(-PageRelease.pageUp(size));
        if (b.dirty > 0 && idleResident() + b.dirty > allowance(demand)
                && PageRelease.release(b.slab.memory, b.offset, b.offset + b.dirty) > 0) {
            b.dirty = 0;
        }
    }
}
