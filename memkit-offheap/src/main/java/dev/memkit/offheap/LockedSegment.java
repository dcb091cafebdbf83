package dev.memkit.offheap;

import java.util.concurrent.locks.StampedLock;

/**
 * One segment of a {@link SegmentedMap}: its own lock (the segment is the lock, so reaching a segment's data takes
 * one object, not two), whether it changed since the last sync, and how to free its memory.
 *
 * <p><b>Ownership.</b> A segment owns its native memory; the map calls {@link #free()} once, under the write lock,
 * when it closes or when a build or open fails. Every field of a subclass is guarded by this lock.
 */
abstract class LockedSegment extends StampedLock {
    @java.io.Serial
    private static final long serialVersionUID = 1L;   // StampedLock is Serializable; segments never are

    /** Changed since the last sync (persistent maps). Written under the write lock. */
    transient boolean dirty;

    /** Frees this segment's native memory (or its file mapping). The map calls it once. */
    abstract void free();
}
