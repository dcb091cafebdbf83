package dev.memkit.offheap;

import dev.memkit.region.NativeRegion;
import dev.memkit.budget.MemoryBudget;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One segment of a {@link BytesMap}: its index (Robin Hood open addressing over 8-byte slots, layout drawn on
 * {@code BytesMap}) and its {@link RecordLog}. Every field is guarded by the segment's lock; optimistic readers may
 * see a segment mid-change and validate afterwards, so every probe loop is bounded.
 */
final class BytesSegment extends LockedSegment {
    @java.io.Serial
    private static final long serialVersionUID = 1L;
    private static final ValueLayout.OfLong SLOT = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final int MAX_DIST = 255;

    private final transient MemoryBudget budget; // charged for native indexes and slabs; null when unbudgeted
    private final transient long slabBytes;

    BytesSegment(MemoryBudget budget, long slabBytes) {
        this.budget = budget;
        this.slabBytes = slabBytes;
    }

    transient Runnable indexOwner;    // frees the index: its native region (and charge), or the file mapping
    transient MemorySegment index;
    transient int capacity;
    transient int size;
    transient RecordLog log;
    transient long liveBytes;

    @Override
    void free() {
        freeIndex();
        if (log != null) {
            log.free();
        }
    }

    void allocateIndex(int cap) {
        NativeRegion region = NativeRegion.allocate(8L * cap, 8, budget);
        index = region.memory();
        indexOwner = region::close;
        capacity = cap;
    }

    void freeIndex() {
        if (indexOwner != null) {
            indexOwner.run();
            indexOwner = null;
        }
    }

    long slot(int i) {
        return index.get(SLOT, (long) i << 3);
    }

    void setSlot(int i, long v) {
        index.set(SLOT, (long) i << 3, v);
    }

    int home(long hash) {
        return (int) (((hash & 0xFFFF_FFFFL) * capacity) >>> 32);
    }

    int next(int i) {
        return i + 1 == capacity ? 0 : i + 1;
    }

    /** The index slot of {@code key}, or -1. Bounded on a table another thread changes (readers validate). */
    int find(long hash, MemorySegment key) {
        int i = home(hash);
        long tag = hash >>> 48;
        for (int dist = 0; dist <= MAX_DIST; dist++) {
            long s = slot(i);
            if (s == 0 || ((s >>> 16) & 0xFF) < dist) {
                return -1;
            }
            if ((s & 0xFFFF) == tag && keyEquals(address(s), key)) {
                return i;
            }
            i = next(i);
        }
        return -1;
    }

    /**
     * A hint for batched gets: reads the index slot of {@code hash}'s home without the lock; any failure (a writer
     * swapped the index meanwhile) just skips it.
     */
    long touchSlot(long hash) {
        try {
            return slot(home(hash));
        } catch (RuntimeException racedWithAWriter) {
            return 0;
        }
    }

    /**
     * How much of a record {@link #touchRecord} brings into the cache: two or three lines. (With 16-byte keys and
     * 100-byte values, 128 measured 295–305 ns per batched get, 192 322–362, 256 364–401, 64 369.)
     */
    private static final long TOUCHED_RECORD_BYTES = 128;

    /**
     * A hint for batched gets: reads the first {@link #TOUCHED_RECORD_BYTES} of the record of the first slot from
     * {@code hash}'s home whose tag matches (almost always the key's), without the lock; any failure just skips it.
     */
    long touchRecord(long hash) {
        try {
            int i = home(hash);
            long tag = hash >>> 48;
            for (int dist = 0; dist <= MAX_DIST; dist++) {
                long s = slot(i);
                if (s == 0 || ((s >>> 16) & 0xFF) < dist) {
                    return 0;
                }
                if ((s & 0xFFFF) == tag) {
                    long a = address(s);
                    MemorySegment slab = log.slab(a);
                    long at = RecordLog.offset(a);
                    long last = Math.min(slab.byteSize() - 1, at + TOUCHED_RECORD_BYTES - 1);
                    // The record's first cache lines: its header and key, and the start of its value.
                    return slab.get(ValueLayout.JAVA_BYTE, at) ^ slab.get(ValueLayout.JAVA_BYTE, (at + last) >>> 1)
                            ^ slab.get(ValueLayout.JAVA_BYTE, last);
                }
                i = next(i);
            }
            return 0;
        } catch (RuntimeException racedWithAWriter) {
            return 0;
        }
    }

    boolean keyEquals(long address, MemorySegment key) {
        long h = log.header(address);
        long k = RecordLog.keyLength(h);
        if (k != key.byteSize()) {
            return false;
        }
        long at = RecordLog.keyOffset(address, h);
        return MemorySegment.mismatch(log.slab(address), at, at + k, key, 0, k) < 0;
    }

    /** Inserts an entry for a key known to be absent; grows the index when it must. */
    void insert(long hash, long address) {
        if (size + 1 > (long) (capacity * 0.92)) {
            rebuild(Math.max(16, capacity + capacity / 5));
        }
        long entry = ((address + 1) << 24) | (hash >>> 48);
        if (!place(hash, entry)) {
            rebuild(capacity + capacity / 5 + 1);
            if (!place(hash, entry)) {
                throw new IllegalStateException("BytesMap index cannot place a key; hash distribution broken");
            }
        }
        size++;
    }

    /** Robin Hood placement; false (table unchanged) if a probe would exceed the distance field. */
    private boolean place(long hash, long entry) {
        // A dry run first, so a too-long probe never leaves a displaced entry in hand.
        int i = home(hash);
        int dist = 0;
        while (slot(i) != 0) {
            long s = slot(i);
            int sd = (int) ((s >>> 16) & 0xFF);
            if (sd < dist) {
                dist = sd;    // from here on we carry the displaced entry
            }
            i = next(i);
            if (++dist > MAX_DIST) {
                return false;
            }
        }
        i = home(hash);
        dist = 0;
        long carry = entry;
        while (true) {
            long s = slot(i);
            if (s == 0) {
                setSlot(i, withDist(carry, dist));
                return true;
            }
            int sd = (int) ((s >>> 16) & 0xFF);
            if (sd < dist) {
                setSlot(i, withDist(carry, dist));
                carry = s;
                dist = sd;
            }
            i = next(i);
            dist++;
        }
    }

    void removeAt(int i) {
        int j = next(i);
        while (true) {
            long s = slot(j);
            int sd = (int) ((s >>> 16) & 0xFF);
            if (s == 0 || sd == 0) {
                break;
            }
            setSlot(i, withDist(s, sd - 1));
            i = j;
            j = next(j);
        }
        setSlot(i, 0);
        size--;
    }

    /** Re-indexes every entry into a new index of {@code newCapacity} slots (rehashing keys from the log). */
    void rebuild(int newCapacity) {
        MemorySegment old = index;
        Runnable oldOwner = indexOwner;
        int oldCapacity = capacity;
        allocateIndex(newCapacity);
        for (int i = 0; i < oldCapacity; i++) {
            long s = old.get(SLOT, (long) i << 3);
            if (s != 0) {
                long address = address(s);
                long h = log.header(address);
                long hash = hash(log.slab(address), RecordLog.keyOffset(address, h), RecordLog.keyLength(h));
                if (!place(hash, s & ~0xFF_0000L)) {
                    freeIndex();
                    index = old;
                    indexOwner = oldOwner;
                    capacity = oldCapacity;
                    rebuild(newCapacity + newCapacity / 5 + 1);
                    return;
                }
            }
        }
        oldOwner.run();
    }

    /**
     * Copies the live records into a fresh log and frees the old one. All copies are made before the index
     * changes, so a refused slab leaves the segment exactly as it was.
     */
    void compact() {
        RecordLog fresh = new RecordLog(slabBytes, budget);
        long[] moved = new long[capacity];
        try {
            for (int i = 0; i < capacity; i++) {
                long s = slot(i);
                if (s != 0) {
                    long address = address(s);
                    long h = log.header(address);
                    MemorySegment slab = log.slab(address);
                    long at = RecordLog.keyOffset(address, h);
                    long k = RecordLog.keyLength(h);
                    moved[i] = fresh.append(slab.asSlice(at, k), slab.asSlice(at + k, RecordLog.valueLength(h)));
                }
            }
        } catch (RuntimeException e) {
            fresh.free();
            throw e;
        }
        for (int i = 0; i < capacity; i++) {
            long s = slot(i);
            if (s != 0) {
                setSlot(i, ((moved[i] + 1) << 24) | (s & 0xFF_FFFFL));
            }
        }
        log.free();
        log = fresh;
        liveBytes = fresh.recordBytes;
    }

    /** Compacts when garbage passes half the log and one slab; a refused compaction just waits for later. */
    void maybeCompact() {
        long garbage = log.recordBytes - liveBytes;
        if (garbage > slabBytes && garbage * 2 > log.recordBytes) {
            try {
                compact();
            } catch (dev.memkit.budget.BudgetExceededException e) {
                // the put or remove itself succeeded; the garbage stays until memory allows compacting
            }
        }
    }

    static long address(long slot) {
        return (slot >>> 24) - 1;
    }

    static long withDist(long entry, int dist) {
        return (entry & ~0xFF_0000L) | ((long) dist << 16);
    }

    /** A 64-bit hash of {@code len} bytes at {@code at}: 8 bytes per step, then the MurmurHash3 finaliser. */
    static long hash(MemorySegment s, long at, long len) {
        long h = 0x9E3779B97F4A7C15L ^ len;
        long p = at;
        long end = at + len;
        for (; p + 8 <= end; p += 8) {
            h = Long.rotateLeft(h ^ (s.get(WORD, p) * 0xC2B2AE3D27D4EB4FL), 31) * 0x9E3779B97F4A7C15L;
        }
        long tail = 0;
        for (int sh = 0; p < end; p++, sh += 8) {
            tail |= (s.get(ValueLayout.JAVA_BYTE, p) & 0xFFL) << sh;
        }
        h ^= tail * 0xC2B2AE3D27D4EB4FL;
        return LongTable.mix(h);
    }
}
