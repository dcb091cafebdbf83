package dev.memkit.offheap;

import dev.memkit.budget.MemoryBudget;
import dev.memkit.internal.PageRelease;

import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.locks.StampedLock;

/**
 * A {@code long → long} hash map in native memory: no objects per entry, so the garbage collector never traces
 * it however large it grows, and about 19 bytes per entry (16-byte slots, 85% full).
 *
 * <pre>{@code
 * try (LongLongMap index = LongLongMap.builder().expectedSize(30_000_000).build()) {
 *     index.put(42, 7);
 *     long v = index.getOrDefault(42, -1);
 * }
 * }</pre>
 *
 * <h2>Design</h2>
 * The keys are spread over independent segments by the top bits of their hash; each segment is one
 * {@link LongTable} (bucketed cuckoo hashing: a get reads at most two cache lines; 85% full) that grows on its own,
 * one bucket at a time as it fills (linear hashing: adding a bucket splits one other, moving a few entries). No
 * put ever waits for a table to be rehashed; the most a put waits for is its segment's table moving to a bigger
 * region when it outgrows the one it has (a copy of that segment's bytes: about 2.3 MiB with the default 256
 * segments and 30 million entries), and the capacity is never forced to a power of two.
 *
 * <h2>Concurrency</h2>
 * A concurrent map ({@link LongLongMapBuilder#concurrent(boolean)}, the default) guards each segment with a
 * {@link StampedLock}: puts and removes take the segment's write lock; gets first read optimistically without
 * writing any shared memory and fall back to the read lock if a writer intervened. Every operation on one key is
 * atomic (linearizable); {@link #size()}, {@link #forEach} and {@link #clear()} work segment by segment, so under
 * concurrent writes they see each segment at a different moment. A map built with {@code concurrent(false)} does
 * no locking and must be confined to one thread at a time.
 *
 * <h2>Ownership</h2>
 * The map owns its native memory (drawn from the {@link LongLongMapBuilder#budget(MemoryBudget) budget} when one
 * is given); {@link #close()} frees it and every later call throws {@link IllegalStateException}. Heap footprint:
 * a few objects per segment, independent of the number of entries.
 *
 * @since 0.1
 */
@SuppressWarnings("exports") // the shared base and its segment type are package-private: no client names them
public final class LongLongMap extends SegmentedMap<MapSegment> {
    /** Keys a batched get looks up together (see {@link #getAll}). */
    static final int GET_BATCH = 16;

    LongLongMap(LongLongMapBuilder b) {
        super(new MapSegment[b.segments], b.concurrent,
                b.directory == null ? null : MapFiles.create(b.directory, b.segments, MapFiles.LONG_MAP));
        PageRelease.available(); // binds madvise now (tens of ms, once per JVM), not inside the put that first grows
        int n = segments.length;
        int perSegment = LongTable.capacityFor((b.expectedSize + n - 1) / n);
        try {
            for (int i = 0; i < n; i++) {
                segments[i] = new MapSegment();
                segments[i].setTable(new LongTable(perSegment, b.budget));
                segments[i].dirty = true;
            }
            if (files != null) {
                sync();               // the directory is a valid (empty) map from the start
            }
        } catch (RuntimeException e) {
            throw releaseAfterFailure(e);
        }
    }

    /** Maps a persistent map's segments (see {@link #open(Path)}). */
    private LongLongMap(MapFiles files, boolean verify) {
        super(new MapSegment[segmentCount(files)], true, files);
        try {
            for (int i = 0; i < segments.length; i++) {
                MapFiles.LoadedSegment l = files.load(i, verify);
                MapSegment s = new MapSegment();
                s.setTable(new LongTable(l.table(), l.arena(), l.capacity(), l.size(), null));
                s.hasZero = l.hasZero();
                s.zeroValue = l.zeroValue();
                segments[i] = s;
            }
        } catch (RuntimeException e) {
            throw releaseAfterFailure(e);
        }
    }

    /**
     * Opens a persistent map from its directory without reading its data: each segment file is mapped
     * copy-on-write, so opening is instant at any size, and changes reach the directory only at {@link #sync()}
     * (or {@link #close()}). The map is concurrent.
     *
     * <p>What it checks: the manifest (magic, kind, format version, checksum), and each segment file's header
     * (magic, checksum, sizes against the file's length) and identity (the map, segment and generation the manifest
     * names), so a segment file from another map or another generation is refused. It does not read the tables:
     * a damaged byte inside a table is found only by {@link #openVerified}. Files a sync interrupted by a crash
     * left behind are deleted.
     *
     * @param directory a directory written by a map built with {@link LongLongMapBuilder#directory(Path)}
     * @return the map, exactly as of its last completed sync
     * @throws IllegalArgumentException if the directory is not a memkit map, or is truncated, corrupt, foreign, or
     *         of another format version
     * @throws IllegalStateException if another process has it open
     */
    public static LongLongMap open(Path directory) {
        return new LongLongMap(MapFiles.open(directory, MapFiles.LONG_MAP), false);
    }

    /**
     * As {@link #open(Path)}, and verifies every segment's table checksum (one sequential read of the data).
     *
     * @param directory the map's directory
     * @return the map
     * @throws IllegalArgumentException also when a table's checksum does not match
     */
    public static LongLongMap openVerified(Path directory) {
        return new LongLongMap(MapFiles.open(directory, MapFiles.LONG_MAP), true);
    }

    @Override
    void writeSegment(int i, MapSegment s) {
        files.writeSegment(i, s.table, s.hasZero, s.zeroValue);
    }

    /**
     * Starts configuring a map.
     *
     * @return a builder
     */
    public static LongLongMapBuilder builder() {
        return new LongLongMapBuilder();
    }

    /**
     * The value of {@code key}, or {@code defaultValue} when absent.
     *
     * @param key any long
     * @param defaultValue returned when the key is absent
     * @return the value
     * @throws IllegalStateException if the map is closed
     */
    public long getOrDefault(long key, long defaultValue) {
        return lookup(key, defaultValue, false);
    }

    /** The value (or {@code defaultValue}), or with {@code presence} 1 if present and 0 if not. */
    private long lookup(long key, long defaultValue, boolean presence) {
        ensureOpen();
        long h = LongTable.mix(key);
        MapSegment s = segmentFor(h);
        if (!concurrent) {
            return s.read(key, h, defaultValue, presence);
        }
        StampedLock lock = s;
        long stamp = lock.tryOptimisticRead();
        if (stamp != 0) {
            try {
                long v = s.read(key, h, defaultValue, presence);
                if (lock.validate(stamp)) {
                    return v;
                }
            } catch (IllegalStateException | IndexOutOfBoundsException racedWithAWriter) {
                // the table was replaced and freed under us: read again under the lock
            }
        }
        stamp = lock.readLock();
        try {
            ensureOpen();
            return s.read(key, h, defaultValue, presence);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /**
     * Looks up {@code keys[i]} for every {@code i} in {@code [from, to)} and writes its value (or
     * {@code defaultValue}) to {@code values[i]}, as {@link #getOrDefault} would one by one, but faster on a map
     * larger than the CPU caches: keys go in groups of {@value #GET_BATCH}, and the group's buckets are touched
     * before any is searched, so their cache misses overlap instead of following each other. Each key is read
     * atomically, the batch as a whole is not a snapshot. Allocates nothing.
     *
     * @param keys the keys
     * @param values receives the values
     * @param from the first index, inclusive
     * @param to the last index, exclusive
     * @param defaultValue written for absent keys
     * @throws IndexOutOfBoundsException if {@code [from, to)} is not within both arrays
     * @throws IllegalStateException if the map is closed
     */
    public void getAll(long[] keys, long[] values, int from, int to, long defaultValue) {
        Objects.checkFromToIndex(from, to, keys.length);
        Objects.checkFromToIndex(from, to, values.length);
        ensureOpen();
        long touched = 0;
        for (int at = from; at < to; at += GET_BATCH) {
            int end = Math.min(to, at + GET_BATCH);
            for (int i = at; i < end; i++) {
                long h = LongTable.mix(keys[i]);
                touched ^= segmentFor(h).touch(h);
            }
            for (int i = at; i < end; i++) {
                values[i] = lookup(keys[i], defaultValue, false);
            }
        }
        Touches.keep(touched);
    }

    /**
     * Whether {@code key} is present.
     *
     * @param key any long
     * @return true if present
     */
    public boolean containsKey(long key) {
        return lookup(key, 0, true) != 0;
    }

    /**
     * Associates {@code value} with {@code key}.
     *
     * @param key any long
     * @param value any long
     * @return true if the key was new, false if an existing value was replaced
     * @throws dev.memkit.budget.BudgetExceededException if growing needs memory the budget refuses; the map is
     *         then unchanged
     * @throws IllegalStateException if the map is closed, or if more than eight keys of a segment share both
     *         their buckets (possible only with keys chosen to collide; the map is then unchanged)
     */
    public boolean put(long key, long value) {
        ensureOpen();
        long h = LongTable.mix(key);
        MapSegment s = segmentFor(h);
        long stamp = lockWrite(s);
        try {
            ensureOpen();
            s.dirty = true;
            return s.putLocked(h, value);
        } finally {
            unlockWrite(s, stamp);
        }
    }

    /**
     * Puts {@code keys[i] → values[i]} for every {@code i} in {@code [from, to)}, as {@link #put} would one by one
     * (a key given twice ends with its later value), but much faster for large batches: the batch is ordered by
     * segment, and each segment is locked once, grown once for the batch (by bucket splits in address order,
     * then by single buckets only if a sample of the batch underestimated its new keys), and filled in one pass
     * (loading 30 M entries from empty in batches of 4 M took a quarter of the time of single puts:
     * {@code dev.memkit.bench.BulkLoad} in memkit-bench).
     *
     * <p>Allocates 16 bytes of scratch per entry of the batch for the duration of the call. Readers see the
     * entries appear segment by segment, each entry atomically. If the budget refuses a growth (or keys collide by
     * construction, see {@link #put}), the exception is thrown and the entries of the segments filled before it
     * stay in the map; the others are not put.
     *
     * @param keys the keys
     * @param values their values
     * @param from the first index, inclusive
     * @param to the last index, exclusive
     * @return how many keys were new
     * @throws IndexOutOfBoundsException if {@code [from, to)} is not within both arrays
     * @throws dev.memkit.budget.BudgetExceededException if growing needs memory the budget refuses
     * @throws IllegalStateException if the map is closed
     */
    public long putAll(long[] keys, long[] values, int from, int to) {
        Objects.checkFromToIndex(from, to, keys.length);
        Objects.checkFromToIndex(from, to, values.length);
        ensureOpen();
        int[] starts = new int[segments.length + 1];
        for (int i = from; i < to; i++) {
            starts[segmentIndex(LongTable.mix(keys[i])) + 1]++;   // mixing twice is cheaper than storing it
        }
        for (int si = 0; si < segments.length; si++) {
            starts[si + 1] += starts[si];
        }
        // The batch's hashes and values, grouped by segment in batch order, so each segment's fill reads its
        // entries sequentially (indexes into the caller's arrays would cost two cache misses per entry).
        long[] hashes = new long[to - from];
        long[] vals = new long[to - from];
        int[] next = starts.clone();
        for (int i = from; i < to; i++) {
            long h = LongTable.mix(keys[i]);
            int at = next[segmentIndex(h)]++;
            hashes[at] = h;
            vals[at] = values[i];
        }
        long added = 0;
        for (int si = 0; si < segments.length; si++) {
            if (starts[si] < starts[si + 1]) {
                added += fill(segments[si], hashes, vals, starts[si], starts[si + 1]);
            }
        }
        return added;
    }

    /**
     * Puts the batch entries {@code [a, b)} of {@code hashes}/{@code values} into one segment under one write
     * lock (hash 0 is key 0); returns how many keys were new.
     */
    private int fill(MapSegment s, long[] hashes, long[] values, int a, int b) {
        long stamp = lockWrite(s);
        try {
            ensureOpen();
            s.dirty = true;
            return s.fillLocked(hashes, values, a, b);
        } finally {
            unlockWrite(s, stamp);
        }
    }

    /**
     * Removes {@code key}.
     *
     * @param key any long
     * @return true if it was present
     * @throws IllegalStateException if the map is closed
     */
    public boolean remove(long key) {
        ensureOpen();
        long h = LongTable.mix(key);
        MapSegment s = segmentFor(h);
        long stamp = lockWrite(s);
        try {
            ensureOpen();
            if (key == 0) {
                s.dirty |= s.hasZero;
                boolean had = s.hasZero;
                s.hasZero = false;
                s.zeroValue = 0;
                return had;
            }
            LongTable t = s.table;
            int i = t.find(h);
            if (i < 0) {
                return false;
            }
            t.removeAt(i);
            s.dirty = true;
            return true;
        } finally {
            unlockWrite(s, stamp);
        }
    }

    /**
     * The number of entries (summed segment by segment; see the class comment on concurrency).
     *
     * @return the size
     */
    public long size() {
        return sum(s -> s.table.size + (s.hasZero ? 1 : 0));
    }

    /**
     * Native bytes held by the tables.
     *
     * @return bytes
     */
    public long nativeBytes() {
        return sum(s -> s.table.chargedBytes());
    }

    /** Receives entries from {@link #forEach}. */
    @FunctionalInterface
    public interface EntryConsumer {
        /**
         * One entry.
         *
         * @param key the key
         * @param value its value
         */
        void accept(long key, long value);
    }

    /**
     * Calls {@code action} for every entry, segment by segment, holding each segment's read lock meanwhile (so the
     * action must not modify this map). The order is unspecified.
     *
     * @param action the action
     */
    public void forEach(EntryConsumer action) {
        Objects.requireNonNull(action, "action");
        ensureOpen();
        for (MapSegment s : segments) {
            long stamp = lockRead(s);
            try {
                if (s.hasZero) {
                    action.accept(0, s.zeroValue);
                }
                LongTable t = s.table;
                for (int i = 0; i < t.capacity; i++) {
                    long h = t.hashAt(i);
                    if (h != 0) {
                        action.accept(LongTable.unmix(h), t.value(i));
                    }
                }
            } finally {
                unlockRead(s, stamp);
            }
        }
    }

    /** Removes every entry, keeping the tables' memory. */
    public void clear() {
        ensureOpen();
        for (MapSegment s : segments) {
            long stamp = lockWrite(s);
            try {
                s.table.clear();
                s.hasZero = false;
                s.zeroValue = 0;
                s.dirty = true;
            } finally {
                unlockWrite(s, stamp);
            }
        }
    }
}
