package dev.memkit.pool;

import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;

/**
 * Watches one lease of a {@link BoundedPool}. Cleared at release, so only a lease that became unreachable while
 * still claimed is ever enqueued; the pool then recovers its slot if the slot still carries {@link #stamp}.
 *
 * <p>Ownership: held strongly by its slot while the lease is out; the party that moves the slot out of the
 * lease's claimed state (release or recovery, decided by CAS) drops it.
 */
final class LeaseTracker extends PhantomReference<Lease<?>> {
    final Slot slot;
    final long stamp;
    final Throwable site;            // null when not sampled

    LeaseTracker(Lease<?> lease, ReferenceQueue<? super Lease<?>> queue, Slot slot, long stamp, Throwable site) {
        super(lease, queue);
        this.slot = slot;
        this.stamp = stamp;
        this.site = site;
    }

    /** Marker exception carrying the stack of the acquisition. */
    static final class AcquisitionSite extends Throwable {
        private static final long serialVersionUID = 1L;

        AcquisitionSite(String thread) {
            super("lease acquired by thread '" + thread + "'", null, false, true);
        }
    }
}
