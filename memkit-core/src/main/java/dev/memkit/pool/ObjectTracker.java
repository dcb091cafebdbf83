package dev.memkit.pool;

import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;

/**
 * Watches one object of a {@link BoundedPool} from its creation to its destruction. While the object is idle its
 * slot holds it strongly; while it is leased only the {@link Lease} (and whatever the holder copied) does. So the
 * GC enqueues this tracker exactly when a leased object became unreachable without being released: a leak.
 * Destroying the object clears the tracker, so a destroyed object is never reported.
 *
 * <p>Created once per object, not per lease: watching every lease costs nothing on the acquire path.
 *
 * <p>Ownership: held strongly by its slot ({@code Slot.tracker}); cleared and dropped by whoever destroys the
 * object or recovers the slot.
 */
final class ObjectTracker extends PhantomReference<Object> {
    final Slot slot;
    final String type;

    ObjectTracker(Object object, ReferenceQueue<Object> queue, Slot slot) {
        super(object, queue);
        this.slot = slot;
        this.type = object.getClass().getName();
    }
}
