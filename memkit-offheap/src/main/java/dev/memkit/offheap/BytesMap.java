package dev.memkit.offheap;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.locks.StampedLock;
import java.util.function.BiConsumer;

/**
 * A map of variable-length byte keys to byte values in native memory: an off-heap index over append-only record
 * slabs, a handful of heap objects however many entries it holds.
 *
 * <pre>{@code
 * try (BytesMap m = BytesMap.builder().build()) {
 *     m.put(key, value);                               // MemorySegment or byte[]
 *     long n = m.get(key, out);                        // copies into `out`, no heap garbage
 * }
 * }</pre>
 *
 * <h2>Design</h2>
 * Keys are spread over segments by hash; each segment has an index (Robin Hood open addressing, 8-byte slots,
 * up to 92% full, growing by 20%) and a {@link RecordLog}. A put appends a record and points the index at it; the
 * record it replaces becomes garbage (a put that keeps a key's value length overwrites the value where it lies
 * instead). When a segment's garbage passes half its log (and one slab), the segment is compacted: its live records are copied to a fresh log and the old slabs freed. Overhead per entry is the index
 * slot (8 bytes / load) plus a 2-byte record header for short keys and values: about 11 bytes.
 *
 * <pre>
 *   index slot (8 bytes; 0 = empty)
 *   +------------------------------------------+-------------+----------------------+
 *   | record address + 1 (40 bits)             | probe dist  | hash tag (16 bits)   |
 *   |                                          | (8 bits)    |                      |
 *   +------------------------------------------+-------------+----------------------+
 * </pre>
 *
 * <h2>Concurrency and ownership</h2>
 * Thread-safe like {@link LongLongMap}: a {@link StampedLock} per segment, optimistic reads that fall back to the
 * read lock, writes under the write lock; every single-key operation is atomic. A map built with
 * {@code concurrent(false)} takes no lock and must be confined to one thread at a time. A persistent map writes each
 * changed segment compacted at {@link #sync()}. The map owns its native memory
 * (charged to the builder's budget, if any); {@link #close()} frees it and later calls throw
 * {@link IllegalStateException}. Segments passed in are only read during the call; {@code get} writes only the
 * caller's {@code out}.
 *
 * @since 0.1
 */
@SuppressWarnings("exports") // the shared base and its segment type are package-private: no client names them
public final class BytesMap extends SegmentedMap<BytesSegment> {
    /** Keys a batched get looks up together (see {@link #getAll}). */
    static final int GET_BATCH = 16;

    private final long slabBytes;

    BytesMap(BytesMapBuilder b) {
        super(new BytesSegment[b.segments], b.concurrent,
                b.directory == null ? null : MapFiles.create(b.directory, b.segments, MapFiles.BYTES_MAP));
        slabBytes = b.slabBytes;
        int n = segments.length;
        int perSegment = (int) Math.max(16, Math.min(1 << 30, (long) Math.ceil(b.expectedSize / 0.92 / n) + 1));
        try {
            for (int i = 0; i < n; i++) {
                BytesSegment s = new BytesSegment(b.budget, slabBytes);
                segments[i] = s;
                s.log = new RecordLog(slabBytes, b.budget);
                s.allocateIndex(perSegment);
                s.dirty = true;
            }
            if (files != null) {
                sync();               // the directory is a valid (empty) map from the start
            }
        } catch (RuntimeException e) {
            throw releaseAfterFailure(e);
        }
    }

    /** Maps a persistent map's segments copy-on-write (see {@link #open(Path)}). */
    private BytesMap(MapFiles files, boolean verify) {
        super(new BytesSegment[segmentCount(files)], true, files);
        this.slabBytes = 1L << 20;
        try {
            for (int i = 0; i < segments.length; i++) {
                BytesSegmentFile.Loaded l = BytesSegmentFile.load(files.currentSegmentFile(i), files.currentId(i),
                        verify, files.bodyCrc(i));
                BytesSegment s = new BytesSegment(null, slabBytes);
                segments[i] = s;
                s.index = l.index();
                s.indexOwner = l.indexArena()::close;
                s.capacity = l.capacity();
                s.size = l.size();
                s.log = new RecordLog(slabBytes, null, l.slabs(), l.slabArena());
                s.liveBytes = s.log.recordBytes;
            }
        } catch (RuntimeException e) {
            throw releaseAfterFailure(e);
        }
    }

    /**
     * Opens a persistent map from its directory without reading its data (each segment file is mapped
     * copy-on-write); changes reach the directory only at {@link #sync()} or {@link #close()}. It checks what
     * {@link LongLongMap#open(Path)} checks: headers, sizes and every file's identity, not the record bytes
     * (that is {@link #openVerified}'s job); files an interrupted sync left behind are deleted.
     *
     * @param directory a directory written by a map built with {@link BytesMapBuilder#directory(Path)}
     * @return the map, exactly as of its last completed sync
     * @throws IllegalArgumentException if the directory is not a memkit BytesMap, or is truncated, corrupt, or of
     *         another format version
     * @throws IllegalStateException if another process has it open
     */
    public static BytesMap open(Path directory) {
        return new BytesMap(MapFiles.open(directory, MapFiles.BYTES_MAP), false);
    }

    /**
     * As {@link #open(Path)}, and verifies every segment's checksum (one sequential read of the data).
     *
     * @param directory the map's directory
     * @return the map
     */
    public static BytesMap openVerified(Path directory) {
        return new BytesMap(MapFiles.open(directory, MapFiles.BYTES_MAP), true);
    }

    @Override
    void writeSegment(int i, BytesSegment s) {
        int crc = BytesSegmentFile.write(files.nextSegmentFile(i), files.nextId(i), s.index, s.capacity, s.size,
                s.log, slabBytes);
        files.written(i, crc);
    }

    /**
     * Starts configuring a map.
     *
     * @return a builder
     */
    public static BytesMapBuilder builder() {
        return new BytesMapBuilder();
    }

    /**
     * Associates {@code value} with {@code key}, copying both.
     *
     * @param key the key bytes (any length up to 16 MiB with the value)
     * @param value the value bytes
     * @return true if the key was new
     * @throws dev.memkit.budget.BudgetExceededException if the budget refuses memory; the map is then unchanged
     * @throws IllegalStateException if the map is closed
     */
    public boolean put(MemorySegment key, MemorySegment value) {
        ensureOpen();
        long hash = BytesSegment.hash(key, 0, key.byteSize());
        BytesSegment s = segmentFor(hash);
        long stamp = lockWrite(s);
        try {
            ensureOpen();
            int i = s.find(hash, key);
            if (i >= 0 && overwriteInPlace(s, i, value)) {
                return false;
            }
            long address = s.log.append(key, value);      // may be refused: nothing has changed yet
            s.dirty = true;
            long size = RecordLog.recordSize(key.byteSize(), value.byteSize());
            if (i >= 0) {
                long old = s.slot(i);
                long oh = s.log.header(BytesSegment.address(old));
                s.setSlot(i, ((address + 1) << 24) | (old & 0xFF_FFFFL));
                s.liveBytes += size - RecordLog.recordSize(RecordLog.keyLength(oh), RecordLog.valueLength(oh));
                s.maybeCompact();
                return false;
            }
            s.insert(hash, address);                       // may be refused: the record is then garbage
            s.liveBytes += size;
            return true;
        } finally {
            unlockWrite(s, stamp);
        }
    }

    /**
     * Overwrites the value of the record at index slot {@code i} where it lies, if the new value has the old one's
     * length: no record is appended, so no garbage is made and nothing is ever compacted for it. An optimistic
     * reader racing the copy may see a mix of both values, but the write lock has moved the stamp it validates,
     * so it reads again under the lock. Caller holds the write lock.
     */
    private static boolean overwriteInPlace(BytesSegment s, int i, MemorySegment value) {
        long address = BytesSegment.address(s.slot(i));
        long h = s.log.header(address);
        if (RecordLog.valueLength(h) != value.byteSize()) {
            return false;
        }
        MemorySegment.copy(value, 0, s.log.slab(address), RecordLog.keyOffset(address, h) + RecordLog.keyLength(h),
                value.byteSize());
        s.dirty = true;
        return true;
    }

    /**
     * As {@link #put(MemorySegment, MemorySegment)} for arrays.
     *
     * @param key the key bytes
     * @param value the value bytes
     * @return true if the key was new
     */
    public boolean put(byte[] key, byte[] value) {
        return put(MemorySegment.ofArray(key), MemorySegment.ofArray(value));
    }

    /**
     * Copies the value of {@code key} into {@code out}, if it fits.
     *
     * @param key the key bytes
     * @param out where the value goes (from offset 0)
     * @return the value's length (copied only if it is at most {@code out.byteSize()}), or -1 if absent
     * @throws IllegalStateException if the map is closed
     */
    public long get(MemorySegment key, MemorySegment out) {
        ensureOpen();
        return get(BytesSegment.hash(key, 0, key.byteSize()), key, out);
    }

    /**
     * Looks up {@code keys[i]} for every {@code i} in {@code [from, to)}, copying its value into {@code outs[i]} and
     * writing its length (or -1) to {@code lengths[i]}, as {@link #get(MemorySegment, MemorySegment)} would one by
     * one, but faster on a map larger than the CPU caches: keys go in groups of {@value #GET_BATCH}, and for a
     * group every key is hashed, then every key's index slot read, then every key's record, before any key is
     * compared, so the group's cache misses overlap instead of following each other. Each key is read atomically;
     * the batch as a whole is not a snapshot. Allocates nothing.
     *
     * @param keys the keys
     * @param outs where each value goes (from offset 0; copied only if it fits, as for a single get); an element
     *             may be null to ask for the length only
     * @param lengths receives each value's length, or -1 for an absent key
     * @param from the first index, inclusive
     * @param to the last index, exclusive
     * @throws IndexOutOfBoundsException if {@code [from, to)} is not within the three arrays
     * @throws NullPointerException if a key in the range is null
     * @throws IllegalStateException if the map is closed
     */
    public void getAll(MemorySegment[] keys, MemorySegment[] outs, long[] lengths, int from, int to) {
        Objects.checkFromToIndex(from, to, keys.length);
        Objects.checkFromToIndex(from, to, outs.length);
        Objects.checkFromToIndex(from, to, lengths.length);
        ensureOpen();
        for (int at = from; at < to; at += GET_BATCH) {
            lookUpGroup(keys, outs, lengths, at, Math.min(to, at + GET_BATCH));
        }
    }

    /** One group of {@link #getAll}: each pass's cache misses overlap (see there). */
    private void lookUpGroup(MemorySegment[] keys, MemorySegment[] outs, long[] lengths, int at, int end) {
        for (int i = at; i < end; i++) { // the keys' own misses (caller memory) overlap here
            lengths[i] = BytesSegment.hash(keys[i], 0, keys[i].byteSize()); // until the lookup below
        }
        long touched = 0;
        for (int i = at; i < end; i++) {
            touched ^= segmentFor(lengths[i]).touchSlot(lengths[i]);
        }
        for (int i = at; i < end; i++) {
            touched ^= segmentFor(lengths[i]).touchRecord(lengths[i]);
        }
        Touches.keep(touched);
        for (int i = at; i < end; i++) {
            lengths[i] = get(lengths[i], keys[i], outs[i]);
        }
    }

    private long get(long hash, MemorySegment key, MemorySegment out) {
        BytesSegment s = segmentFor(hash);
        // Unsynchronized maps skip straight to the plain read below (lockRead is then a no-op): two inlined copies
        // of read() in this method, not three.
        long stamp = concurrent ? s.tryOptimisticRead() : 0;
        if (stamp != 0) {
            try {
                long n = read(s, hash, key, out);
                if (s.validate(stamp)) {
                    return n;
                }
            } catch (IllegalStateException | IndexOutOfBoundsException racedWithAWriter) {
                // compaction or a rebuild freed what we were reading: read again under the lock
            }
        }
        stamp = lockRead(s);
        try {
            ensureOpen();
            return read(s, hash, key, out);
        } finally {
            unlockRead(s, stamp);
        }
    }

    private static long read(BytesSegment s, long hash, MemorySegment key, MemorySegment out) {
        int i = s.find(hash, key);
        if (i < 0) {
            return -1;
        }
        long address = BytesSegment.address(s.slot(i));
        long h = s.log.header(address);
        long v = RecordLog.valueLength(h);
        if (out != null && v <= out.byteSize()) {
            MemorySegment.copy(s.log.slab(address), RecordLog.keyOffset(address, h) + RecordLog.keyLength(h), out,
                    0, v);
        }
        return v;
    }

    /**
     * The value of {@code key} as a new array (allocates; use {@link #get(MemorySegment, MemorySegment)} on hot
     * paths).
     *
     * @param key the key bytes
     * @return the value, or null if absent
     */
    public byte[] get(byte[] key) {
        MemorySegment k = MemorySegment.ofArray(key);
        while (true) {
            long n = get(k, null);
            if (n < 0) {
                return null;
            }
            byte[] out = new byte[(int) n];
            if (get(k, MemorySegment.ofArray(out)) == n) {
                return out;
            }
        }
    }

    /**
     * Whether {@code key} is present.
     *
     * @param key the key bytes
     * @return true if present
     */
    public boolean containsKey(MemorySegment key) {
        return get(key, null) >= 0;
    }

    /**
     * Removes {@code key}.
     *
     * @param key the key bytes
     * @return true if it was present
     */
    public boolean remove(MemorySegment key) {
        ensureOpen();
        long hash = BytesSegment.hash(key, 0, key.byteSize());
        BytesSegment s = segmentFor(hash);
        long stamp = lockWrite(s);
        try {
            ensureOpen();
            int i = s.find(hash, key);
            if (i < 0) {
                return false;
            }
            long h = s.log.header(BytesSegment.address(s.slot(i)));
            s.liveBytes -= RecordLog.recordSize(RecordLog.keyLength(h), RecordLog.valueLength(h));
            s.removeAt(i);
            s.dirty = true;
            s.maybeCompact();
            return true;
        } finally {
            unlockWrite(s, stamp);
        }
    }

    /**
     * As {@link #remove(MemorySegment)} for an array.
     *
     * @param key the key bytes
     * @return true if it was present
     */
    public boolean remove(byte[] key) {
        return remove(MemorySegment.ofArray(key));
    }

    /**
     * The number of entries.
     *
     * @return the size
     */
    public long size() {
        return sum(s -> s.size);
    }

    /**
     * Native bytes held: indexes plus record slabs.
     *
     * @return bytes
     */
    public long nativeBytes() {
        return sum(s -> 8L * s.capacity + s.log.reservedBytes);
    }

    /**
     * Bytes of records that were overwritten or removed and not yet compacted away.
     *
     * @return bytes
     */
    public long garbageBytes() {
        return sum(s -> s.log.recordBytes - s.liveBytes);
    }

    /** Compacts every segment now: all garbage is freed. */
    public void compact() {
        ensureOpen();
        for (BytesSegment s : segments) {
            long stamp = lockWrite(s);
            try {
                s.compact();
            } finally {
                unlockWrite(s, stamp);
            }
        }
    }

    /**
     * Calls {@code action} with each entry's key and value as read-only views valid only during the call, segment
     * by segment under each segment's read lock (so the action must not modify this map).
     *
     * @param action receives (key, value)
     */
    public void forEach(BiConsumer<MemorySegment, MemorySegment> action) {
        Objects.requireNonNull(action, "action");
        ensureOpen();
        for (BytesSegment s : segments) {
            long stamp = lockRead(s);
            try {
                for (int i = 0; i < s.capacity; i++) {
                    long slot = s.slot(i);
                    if (slot != 0) {
                        long address = BytesSegment.address(slot);
                        long h = s.log.header(address);
                        MemorySegment slab = s.log.slab(address);
                        long at = RecordLog.keyOffset(address, h);
                        long k = RecordLog.keyLength(h);
                        action.accept(slab.asSlice(at, k).asReadOnly(),
                                slab.asSlice(at + k, RecordLog.valueLength(h)).asReadOnly());
                    }
                }
            } finally {
                unlockRead(s, stamp);
            }
        }
    }

    /** Removes every entry and frees the records (the indexes keep their size). */
    public void clear() {
        ensureOpen();
        for (BytesSegment s : segments) {
            long stamp = lockWrite(s);
            try {
                s.index.fill((byte) 0);
                s.size = 0;
                s.log.free();
                s.liveBytes = 0;
                s.dirty = true;
            } finally {
                unlockWrite(s, stamp);
            }
        }
    }
}
