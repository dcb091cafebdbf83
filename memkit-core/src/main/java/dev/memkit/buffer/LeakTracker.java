package dev.memkit.buffer;

import java.lang.foreign.Arena;
import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;

/**
 * Watches one lease. Registered in its slab at acquire; removed and cleared at release, so a released lease's
 * tracker is never enqueued. A tracker the GC enqueues while still registered is a leak: the pool reclaims
 * the block and reports the site.
 *
 * <p>Ownership: the slab's tracker array keeps this reference strongly reachable; whoever removes it from
 * the array (release or leak reclaim, decided by CAS) owns the {@link #guard} and closes it.
 */
final class LeakTracker extends PhantomReference<Buffer> {
    final Slab slab;
    final int index;
    final long requestedBytes;
    final Throwable site;            // null when the site was not sampled
    final Arena guard;               // PARANOID: the scope of every view handed out; null otherwise

    LeakTracker(Buffer lease, ReferenceQueue<? super Buffer> queue, Slab slab, int index, long requestedBytes,
                Throwable site, Arena guard) {
        super(lease, queue);
        this.slab = slab;
        this.index = index;
        this.requestedBytes = requestedBytes;
        this.site = site;
        this.guard = guard;
    }

    /** Called by the party that won the removal from the slab. */
    void retire() {
        clear();
        if (guard != null) {
            guard.close();
        }
    }

    /** Marker exception carrying the stack of the acquisition. */
    static final class AllocationSite extends Throwable {
        private static final long serialVersionUID = 1L;

        AllocationSite(String thread) {
            super("buffer acquired by thread '" + thread + "'", null, false, true);
        }
    }
}
