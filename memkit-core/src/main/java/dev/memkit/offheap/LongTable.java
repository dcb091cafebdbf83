package dev.memkit.offheap;

import dev.memkit.budget.MemoryBudget;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One open-addressing table of {@code long → long} in native memory: Robin Hood hashing with linear probing and
 * backward-shift deletion, at most 92% full.
 *
 * <pre>
 *   slot i (16 bytes), at offset 16 * i
 *   +---------------------------+---------------------------+
 *   | mix(key) (8, 0 = empty)   | value (8)                 |
 *   +---------------------------+---------------------------+
 * </pre>
 *
 * <p><b>Algorithm.</b> A slot stores the key's hash, not the key: the hash function ({@link #mix}) is a bijection
 * on 64-bit values, so the key is recovered exactly by {@link #unmix}, and a probe never has to rehash a resident
 * to learn its home. A key's home slot is {@code (low32(hash) * capacity) >>> 32} (a multiply, so the capacity
 * need not be a power of two and can grow by 20% at a time). Robin Hood insertion swaps a key into any slot whose
 * resident is closer to its own home, which keeps every probe sequence short even at 92% load; a lookup stops
 * at an empty slot or at a resident closer to home than the probe (the key cannot be further on). Removal shifts
 * the following displaced entries back one slot, so no tombstones accumulate. Hash 0 (the hash of key 0) marks
 * an empty slot; the map stores key 0 outside the table.
 *
 * <p><b>Ownership and concurrency.</b> Not thread-safe: {@link LongLongMap} guards each table with its segment's
 * lock. The table owns one shared {@link Arena}; {@link #free()} closes it, after which any access (a racing
 * optimistic reader's) throws {@link IllegalStateException} instead of reading freed memory.
 */
final class LongTable {
    static final double MAX_LOAD = 0.92;
    static final int MIN_CAPACITY = 16;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;

    final int capacity;
    final int maxSize;
    int size;
    private final Arena arena;
    private final MemorySegment mem;
    private final MemoryBudget budget;      // charged for this table's bytes; null when unbudgeted

    /** Allocates a zeroed (all empty) table; the budget, if any, is charged first. */
    LongTable(int capacity, MemoryBudget budget) {
        this.capacity = capacity;
        this.maxSize = (int) Math.min(capacity - 1L, (long) (capacity * MAX_LOAD));
        this.budget = budget;
        long bytes = bytesFor(capacity);
        OffHeapIo.charge(budget, bytes);
        try {
            arena = Arena.ofShared();
            mem = arena.allocate(bytes, 16);
        } catch (RuntimeException | OutOfMemoryError e) {
            if (budget != null) {
                budget.release(bytes);
            }
            throw e;
        }
    }

    /**
     * A table over existing memory (a copy-on-write mapping of a synced segment file), taking ownership of
     * {@code arena}; the budget, if any, is charged for the table's bytes.
     */
    LongTable(MemorySegment mem, Arena arena, int capacity, int size, MemoryBudget budget) {
        this.capacity = capacity;
        this.maxSize = (int) Math.min(capacity - 1L, (long) (capacity * MAX_LOAD));
        this.budget = budget;
        if (mem.byteSize() != bytesFor(capacity)) {
            throw new IllegalArgumentException("table memory of " + mem.byteSize() + " bytes for " + capacity
                    + " slots");
        }
        OffHeapIo.charge(budget, bytesFor(capacity));
        this.arena = arena;
        this.mem = mem;
        this.size = size;
    }

    /** The table's memory, for writing it to a segment file. */
    MemorySegment memory() {
        return mem;
    }

    static long bytesFor(int capacity) {
        return 16L * capacity;
    }

    /**
     * The capacity after growing: 20% more, so a table is between 77% and 92% full and memory per entry stays
     * near 16 / 0.84 = 19 bytes.
     */
    static int grownCapacity(int capacity) {
        long next = Math.max(MIN_CAPACITY, capacity + capacity / 5);
        if (next > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("a LongLongMap segment cannot hold more than ~1.9 billion entries;"
                    + " build the map with more segments");
        }
        return (int) next;
    }

    /** The smallest capacity that holds {@code entries} under the load limit. */
    static int capacityFor(long entries) {
        return (int) Math.max(MIN_CAPACITY, Math.min(Integer.MAX_VALUE - 8L, (long) Math.ceil(entries / MAX_LOAD) + 1));
    }

    /** MurmurHash3's 64-bit finaliser: every key bit affects every hash bit; a bijection, undone by unmix. */
    static long mix(long key) {
        long h = key;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    /** The inverse of {@link #mix}: xor-shifts by 33 undo themselves; the multipliers' inverses mod 2^64. */
    static long unmix(long hash) {
        long k = hash;
        k ^= k >>> 33;
        k *= 0x9cb4b2f8129337dbL;
        k ^= k >>> 33;
        k *= 0x4f74430c22a54005L;
        k ^= k >>> 33;
        return k;
    }

    private int home(long hash) {
        return (int) (((hash & 0xFFFF_FFFFL) * capacity) >>> 32);
    }

    private int next(int i) {
        return i + 1 == capacity ? 0 : i + 1;
    }

    private int distance(int slot, long residentHash) {
        int d = slot - home(residentHash);
        return d < 0 ? d + capacity : d;
    }

    /** The hash stored in slot {@code i} (0 when empty); the key is {@code unmix} of it. */
    long hashAt(int i) {
        return mem.get(LONG, (long) i << 4);
    }

    long value(int i) {
        return mem.get(LONG, ((long) i << 4) + 8);
    }

    private void set(int i, long key, long value) {
        mem.set(LONG, (long) i << 4, key);
        mem.set(LONG, ((long) i << 4) + 8, value);
    }

    /**
     * The slot holding the key whose hash is {@code hash} (never 0), or -1. Bounded even on a table another thread
     * is changing (an optimistic reader validates afterwards).
     */
    int find(long hash) {
        int i = home(hash);
        for (int dist = 0; dist < capacity; dist++) {
            long h = hashAt(i);
            if (h == hash) {
                return i;
            }
            if (h == 0 || distance(i, h) < dist) {
                return -1;
            }
            i = next(i);
        }
        return -1;
    }

    /** Sets the value of a key known to be present at slot {@code i}. */
    void setValue(int i, long value) {
        mem.set(LONG, ((long) i << 4) + 8, value);
    }

    /** Inserts the key with hash {@code hash}, known to be absent (hash never 0); the caller made room. */
    void insertNew(long hash, long value) {
        int i = home(hash);
        int dist = 0;
        long k = hash;
        long v = value;
        while (true) {
            long rk = hashAt(i);
            if (rk == 0) {
                set(i, k, v);
                size++;
                return;
            }
            int rd = distance(i, rk);
            if (rd < dist) {              // the resident is richer: it moves on, we take its slot
                long rv = value(i);
                set(i, k, v);
                k = rk;
                v = rv;
                dist = rd;
            }
            i = next(i);
            dist++;
        }
    }

    /** Removes the entry at slot {@code i}, shifting the displaced entries after it back by one. */
    void removeAt(int i) {
        int j = next(i);
        while (true) {
            long kj = hashAt(j);
            if (kj == 0 || distance(j, kj) == 0) {
                break;
            }
            set(i, kj, value(j));
            i = j;
            j = next(j);
        }
        set(i, 0, 0);
        size--;
    }

    /** A larger table with every entry of this one. This table is left unchanged (the caller frees it). */
    LongTable grow(int newCapacity) {
        LongTable t = new LongTable(newCapacity, budget);
        for (int i = 0; i < capacity; i++) {
            long h = hashAt(i);
            if (h != 0) {
                t.insertNew(h, value(i));
            }
        }
        return t;
    }

    void clear() {
        mem.fill((byte) 0);
        size = 0;
    }

    /** Frees the native memory and returns its bytes to the budget. */
    void free() {
        arena.close();
        if (budget != null) {
            budget.release(bytesFor(capacity));
        }
    }
}
