package dev.memkit.offheap;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.ToLongFunction;

/**
 * What the off-heap maps share, so that each keeps only its own algorithm: keys spread over independently locked
 * segments by the top bits of their hash, the closed state, the optional locking, and persistence (sync, close, the
 * clean-up of a build or open that failed half-way).
 *
 * <p><b>Segments.</b> {@code segments.length} is a power of two {@code n}; a key whose 64-bit hash is {@code h}
 * lives in segment {@code (h >>> (64 - log2 n)) & (n - 1)} (a shift by 64 is a shift by 0, which the mask then
 * zeroes, so one segment needs no special case).
 *
 * <p><b>Concurrency.</b> A concurrent map takes a segment's {@link LockedSegment write lock} for every change and
 * its read lock for whole-segment reads; a map built with {@code concurrent(false)} takes no lock at all. The
 * choice is made in one place ({@link #lockWrite} and its three siblings), on a final field. The closed flag is
 * read with opaque access on every call (a racing close is then caught under the segment lock, which every
 * operation re-checks), and set once with {@code getAndSet}. {@link #sync()} and the final sync of
 * {@link #close()} hold this map's monitor, so they never overlap.
 *
 * <p><b>Persistence.</b> A persistent map ({@code files != null}) writes each dirty segment to a new file under that
 * segment's write lock, then commits the manifest ({@link MapFiles}); a subclass says how one segment is written.
 *
 * @param <S> the segment type
 */
abstract class SegmentedMap<S extends LockedSegment> implements AutoCloseable {
    private static final VarHandle CLOSED;

    static {
        try {
            CLOSED = MethodHandles.lookup().findVarHandle(SegmentedMap.class, "closed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The segments; filled by the subclass's constructor, which calls {@link #releaseAfterFailure} if it fails. */
    final S[] segments;
    private final int shift;                  // 64 - log2(segments.length)
    private final int mask;                   // segments.length - 1
    final boolean concurrent;
    final MapFiles files;                     // null for a map that lives only in memory
    @SuppressWarnings("unused") // accessed through CLOSED
    private boolean closed;

    SegmentedMap(S[] segments, boolean concurrent, MapFiles files) {
        this.segments = segments;
        this.shift = 64 - Integer.numberOfTrailingZeros(segments.length);
        this.mask = segments.length - 1;
        this.concurrent = concurrent;
        this.files = files;
    }

    /** The segment count a persistent map's manifest names, or (closing the files) the reason it is unusable. */
    static int segmentCount(MapFiles files) {
        int n = files.generations.length;
        if (Integer.bitCount(n) != 1) {
            files.close();
            throw new IllegalArgumentException(files.dir + ": corrupt manifest (" + n + " segments)");
        }
        return n;
    }

    /** Writes segment {@code i} to its next file and records it with {@code files}. Caller holds its write lock. */
    abstract void writeSegment(int i, S segment);

    final int segmentIndex(long hash) {
        return (int) (hash >>> shift) & mask;
    }

    final S segmentFor(long hash) {
        return segments[segmentIndex(hash)];
    }

    final void ensureOpen() {
        if ((boolean) CLOSED.getOpaque(this)) {
            throw new IllegalStateException(getClass().getSimpleName() + " is closed");
        }
    }

    /** Frees whatever segments exist and unlocks the directory: a build or open that failed; rethrows. */
    final RuntimeException releaseAfterFailure(RuntimeException failure) {
        for (S s : segments) {
            if (s != null) {
                s.free();
            }
        }
        if (files != null) {
            files.close();
        }
        return failure;
    }

    /**
     * Whether this map lives in a directory.
     *
     * @return true when persistent
     */
    public final boolean persistent() {
        return files != null;
    }

    /**
     * Makes the map durable: writes every segment changed since the last sync to a new file, then switches the
     * manifest to them atomically. A crash at any moment leaves the directory as of this sync or the previous one.
     * A no-op for a map that lives only in memory. Each segment is locked while it is written.
     *
     * @throws java.io.UncheckedIOException if writing fails (the directory then still holds the previous sync)
     * @throws IllegalStateException if the map is closed, or its directory lock was lost
     */
    public final synchronized void sync() {
        if (files == null) {
            return;
        }
        ensureOpen();
        writeChanges();
    }

    /** Writes the changed segments and commits the manifest; the caller holds this map's monitor. */
    private void writeChanges() {
        files.checkWritable();
        for (int i = 0; i < segments.length; i++) {
            S s = segments[i];
            long stamp = lockWrite(s);
            try {
                if (s.dirty) {
                    writeSegment(i, s);
                    s.dirty = false;
                }
            } finally {
                unlockWrite(s, stamp);
            }
        }
        files.commit();
    }

    /**
     * Syncs a persistent map (writing nothing when nothing changed), then frees all native memory and unlocks the
     * directory. Later calls throw {@link IllegalStateException}. Idempotent. If the final sync fails (a full disk,
     * a read-only directory, a lost lock), the memory and the lock are released all the same and the failure is
     * thrown afterwards: the directory then holds the map as of its last successful sync.
     *
     * @throws java.io.UncheckedIOException if the final sync failed
     */
    @Override
    public final void close() {
        RuntimeException failure = null;
        if (files != null) {
            synchronized (this) {
                if ((boolean) CLOSED.getOpaque(this)) {
                    return;
                }
                failure = files.finalSync(this::writeChanges); // released below all the same, then thrown
            }
        }
        if ((boolean) CLOSED.getAndSet(this, true)) {
            return;
        }
        if (files != null) {
            failure = files.unlock(failure);
        }
        for (S s : segments) {
            long stamp = lockWrite(s);
            try {
                s.free();
            } finally {
                unlockWrite(s, stamp);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** The sum of {@code f} over the segments, each read under its read lock. */
    final long sum(ToLongFunction<S> f) {
        ensureOpen();
        long n = 0;
        for (S s : segments) {
            long stamp = lockRead(s);
            try {
                n += f.applyAsLong(s);
            } finally {
                unlockRead(s, stamp);
            }
        }
        return n;
    }

    // The segment lock, or nothing for a map built unsynchronized (concurrent(false)).

    final long lockWrite(S s) {
        return concurrent ? s.writeLock() : 0;
    }

    final void unlockWrite(S s, long stamp) {
        if (concurrent) {
            s.unlockWrite(stamp);
        }
    }

    final long lockRead(S s) {
        return concurrent ? s.readLock() : 0;
    }

    final void unlockRead(S s, long stamp) {
        if (concurrent) {
            s.unlockRead(stamp);
        }
    }
}
