package dev.memkit.buffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;

/**
 * One block of a slab: the object that idle stacks store and a lease holds.
 *
 * <p><b>Why an object per block.</b> Leak detection must notice a lease that became unreachable without release.
 * A phantom reference per lease would cost an allocation and a GC reference on every acquire. Instead each
 * block carries one long-lived {@link Watch}, a phantom reference whose referent is the block itself. At any time
 * exactly one party holds a block strongly: an idle stack (a stripe's or the depot's) while it is free, or its
 * lease while it is leased. So the block becomes unreachable exactly when its lease is dropped unreleased. The GC
 * then enqueues the watch, which stays reachable from the slab's array, and the pool reclaims the block's
 * memory through it, under a fresh {@code Block} (a phantom reference fires once). Acquire and release only
 * move the reference, so watching every lease costs a plain store per acquire, not an allocation.
 *
 * <p><b>Invariants.</b> Idle stacks drop a block's reference when they hand it out, and a lease drops it at
 * release (for its pool's {@linkplain #Block(BufferPool) released sentinel}): no stale copy may keep a block
 * reachable, or a later leak of it would go unnoticed while the copy lives. A slab clears its watches before it drops its
 * idle blocks at free, so freeing is never mistaken for a leak.
 *
 * <p><b>Heap cost.</b> 48 bytes per block handed out at least once, plus about 56 for its watch when leaks are
 * watched.
 */
final class Block {
    final Slab slab;                 // null only in the released sentinel
    // Copies of slab fields the acquire/release/access paths need: each saves a dependent load on them.
    final MemorySegment memory;      // slab.memory
    final BufferPool pool;           // slab.pool
    final int classIndex;            // slab.depot.classIndex, or -1 for a dedicated (huge) slab
    final long offset;               // of the block in memory
    Watch watch;                     // null when leaks are not watched; set before the block is published

    Block(Slab slab, long offset) {
        this.slab = slab;
        this.memory = slab.memory;
        this.pool = slab.pool;
        this.classIndex = slab.depot == null ? -1 : slab.depot.classIndex;
        this.offset = offset;
    }

    /**
     * The pool's released sentinel: what a lease points to once released, so a stale lease kept by its caller
     * keeps no block reachable. Its memory is empty, so even a racing access through it cannot touch a block.
     */
    Block(BufferPool pool) {
        this.slab = null;
        this.memory = MemorySegment.NULL;
        this.pool = pool;
        this.classIndex = -1;
        this.offset = 0;
    }

    /**
     * The pool's record of one block slot, enqueued by the GC when the slot's current {@link Block} became
     * unreachable while leased.
     *
     * <p><b>Ownership and concurrency.</b> Held strongly by {@code slab.watches} (written under the depot lock, or
     * once at creation for a dedicated slab). The mutable fields describe the current lease: the acquirer writes
     * them before the lease is returned to the caller (a released lease's size and site stay until the next acquire
     * overwrites them; only a PARANOID guard is cleared, by the releaser), and the leak poller reads them
     * only after the GC found the block unreachable, so no two of these run concurrently on one watch (the poller
     * sees the acquirer's writes through the GC safepoint and the queue's lock).
     */
    static final class Watch extends PhantomReference<Block> {
        final Slab slab;
        final int index;
        long requestedBytes;         // the current lease's size
        Throwable site;              // the current (or last) lease's acquisition site when recorded, else null
        Arena guard;                 // PARANOID: the scope of the current lease's views, else null
        // Whether the current lease handed out a view (segment() or byteBuffer()). Views hold the slab's memory,
        // not the block, so a leaked lease with views may still be reachable through them: such a leak is
        // reported but its block is never reused (quarantined). Plain field: written by the lease holder,
        // read by the leak poller only after the GC found the block unreachable (see above).
        boolean viewed;

        Watch(Block block, ReferenceQueue<? super Block> queue, int index) {
            super(block, queue);
            this.slab = block.slab;
            this.index = index;
        }
    }
}
