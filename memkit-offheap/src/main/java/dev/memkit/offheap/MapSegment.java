package dev.memkit.offheap;

import java.lang.foreign.MemorySegment;

/**
 * One independently locked and grown part of a {@link LongLongMap}: its table, key 0 (which no table can hold), and
 * what the map does inside one segment: read, put, batch fill, grow.
 *
 * <p><b>Design.</b> The segment is its own lock, and keeps its table's memory and bucket count beside the lock
 * state, so a get finds the address of its bucket through one object instead of three: fewer dependent loads stand
 * before the table's cache miss.
 *
 * <p><b>Ownership and concurrency.</b> The segment owns its table (freed when replaced, or by the map's close).
 * The map takes the locks; every method here says what it needs. All fields are written under the write lock; an
 * optimistic reader may see {@code mem} and {@code buckets} of different regions or sizes mid-growth, which at worst
 * reads a wrong slot or throws, and the stamp it validates afterwards sends it to the read lock.
 */
final class MapSegment extends LockedSegment {
    @java.io.Serial
    private static final long serialVersionUID = 1L;

    transient LongTable table;
    transient MemorySegment mem;      // table.region()
    transient int buckets;            // table.buckets
    transient boolean hasZero;        // key 0 cannot live in a table (0 marks an empty slot)
    transient long zeroValue;

    @Override
    void free() {
        if (table != null) {
            table.free();
        }
    }

    void setTable(LongTable t) {
        table = t;
        mem = t.region();
        buckets = t.buckets;
    }

    /** Re-reads the table's region and bucket count after it grew. Caller holds the write lock. */
    private void refresh() {
        mem = table.region();
        buckets = table.buckets;
    }

    /**
     * The value of the key whose hash is {@code h} (or {@code defaultValue}), or with {@code presence} 1 if present
     * and 0 if not. Safe under the read lock; under an optimistic stamp it may throw or answer wrongly, and the
     * caller's validation then rejects the answer.
     */
    long read(long key, long h, long defaultValue, boolean presence) {
        if (key == 0) {
            return presence ? (hasZero ? 1 : 0) : hasZero ? zeroValue : defaultValue;
        }
        MemorySegment m = mem;
        int i = LongTable.find(m, buckets, h);
        if (presence) {
            return i < 0 ? 0 : 1;
        }
        return i < 0 ? defaultValue : LongTable.value(m, i);
    }

    /** A hint: reads the first word of both candidate buckets, without the lock; any failure just skips it. */
    long touch(long hash) {
        try {
            return LongTable.touch(mem, buckets, hash);
        } catch (IllegalStateException | IndexOutOfBoundsException racedWithAWriter) {
            return 0;
        }
    }

    /**
     * Puts the batch entries {@code [a, b)} of {@code hashes}/{@code values} (hash 0 is key 0); returns how many
     * keys were new. Caller holds the write lock.
     */
    int fillLocked(long[] hashes, long[] values, int a, int b) {
        LongTable t = table;
        // Size the table for the batch once, from the share of new keys in a sample of it: looking every key up
        // first would cost a cache miss per entry; an underestimate just grows by steps while filling.
        int sample = Math.min(b - a, 64);
        int newInSample = 0;
        for (int k = a; k < a + sample; k++) {
            if (hashes[k] != 0 && t.findBoth(hashes[k]) < 0) {
                newInSample++;
            }
        }
        long fresh = (long) (b - a) * newInSample / sample;
        if (t.size + fresh > t.maxSize) {
            try {
                t.growTo(LongTable.capacityFor(t.size + fresh));
            } finally {
                refresh();
            }
        }
        int added = 0;
        for (int k = a; k < b; k++) {
            added += putLocked(hashes[k], values[k]) ? 1 : 0;
        }
        return added;
    }

    /**
     * Puts one entry of hash {@code h} ({@code 0} is key 0), growing the table by steps until a new key fits;
     * returns whether the key was new. The one place {@code put} and {@code putAll} share. Caller holds the write
     * lock.
     */
    boolean putLocked(long h, long value) {
        if (h == 0) {                                 // mix is a bijection: only key 0 has hash 0
            boolean fresh = !hasZero;
            hasZero = true;
            zeroValue = value;
            return fresh;
        }
        LongTable t = table;
        int i = t.findBoth(h);
        if (i >= 0) {
            t.setValue(i, value);
            return false;
        }
        if (!t.insertNew(h, value)) {
            try {
                do {
                    if (t.refusedWhileSparse()) {
                        throw LongTable.collidingKeys();
                    }
                    t.addBucket();
                } while (!t.insertNew(h, value));
            } finally {
                refresh();
            }
        }
        return true;
    }
}
