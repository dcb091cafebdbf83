package dev.memkit.offheap;

import dev.memkit.budget.MemoryBudget;
import dev.memkit.internal.PageRelease;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One {@code long → long} table in native memory: bucketed cuckoo hashing, four 16-byte slots to a 64-byte
 * (cache-line) bucket, two candidate buckets per key, at most 90% full.
 *
 * <pre>
 *   bucket b (64 bytes, 64-byte aligned), at offset 64 * b; slot i = 4 * b + s, at offset 16 * i
 *   +-------------------+-------------------+-------------------+-------------------+
 *   | slot 4b           | slot 4b+1         | slot 4b+2         | slot 4b+3         |
 *   +-------------------+-------------------+-------------------+-------------------+
 *   slot (16 bytes)
 *   +---------------------------+---------------------------+
 *   | mix(key) (8, 0 = empty)   | value (8)                 |
 *   +---------------------------+---------------------------+
 * </pre>
 *
 * <p><b>Algorithm.</b> A slot stores the key's hash, not the key: the hash function ({@link #mix}) is a bijection
 * on 64-bit values, so the key is recovered exactly by {@link #unmix}, and moving a resident never rehashes its
 * key. A key lives in one of two buckets: its first, {@code (low32(hash) * buckets) >>> 32} (a multiply, so the
 * number of buckets need not be a power of two and a table can grow by 20% at a time), or its second, a distinct
 * bucket chosen by the high half of {@code hash * φ}. A lookup reads at most those two cache lines and compares
 * eight hashes, whatever the load; most keys sit in their first bucket, so most lookups read one line. An insert
 * takes a free slot of either bucket (the first preferred); when both are full it searches breadth-first, over at
 * most {@value #SEARCH_NODES} buckets, for the shortest chain of residents that can each move to their other
 * bucket, and moves them from the free end back, so the table is never without an entry mid-insert. With four
 * slots to a bucket such chains exist up to about 97% load, but the search reads a bucket per resident it
 * considers (a cache miss each in a large table) and is needed more often the fuller the table: stopping at 90%
 * rather than 95% made loading 8 M entries about 25% faster, for 19.5 rather than 18.4 bytes per entry on
 * average. If the search fails the caller grows the table.
 * Removal empties the slot: no tombstones, no shifting. Hash 0 (the hash of key 0) marks an empty slot; the map
 * stores key 0 outside the table.
 *
 * <p><b>Ownership and concurrency.</b> Not thread-safe: {@link LongLongMap} guards each table with its segment's
 * lock. The table owns one shared {@link Arena}; {@link #free()} closes it, after which any access (a racing
 * optimistic reader's) throws {@link IllegalStateException} instead of reading freed memory. A lookup reads at
 * most eight slots, so it ends even on a table a writer is changing (the optimistic reader validates after).
 */
final class LongTable {
    static final double MAX_LOAD = 0.90;
    static final int SLOTS_PER_BUCKET = 4;
    static final int BUCKET_BYTES = 64;
    static final int MIN_CAPACITY = 16;
    static final int SMALL_CAPACITY = 4096;
    static final int FLOOD_CHECK_CAPACITY = 1024;
    /** The largest capacity in slots: a multiple of the bucket size whose slot indexes still fit an int. */
    static final int MAX_CAPACITY = (Integer.MAX_VALUE - 8) & -SLOTS_PER_BUCKET;
    private static final int SEARCH_NODES = 128;
    private static final long PHI = 0x9E3779B97F4A7C15L;
    // Unaligned: every offset is 8-aligned in 64-byte-aligned memory, so the per-access alignment check is waste.
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

    final int capacity;                      // slots, a multiple of SLOTS_PER_BUCKET
    final int maxSize;
    int size;
    final int buckets;
    private final Arena arena;
    private final MemorySegment mem;
    private final boolean anonymous;        // allocated here (not a file mapping): its pages can be dropped at free
    private final MemoryBudget budget;      // charged for this table's bytes; null when unbudgeted
    private int[] searchBucket;             // breadth-first search scratch, allocated at the first full pair
    private int[] searchParent;

    /** Allocates a zeroed (all empty) table; the budget, if any, is charged first. */
    LongTable(int capacity, MemoryBudget budget) {
        this.capacity = checkCapacity(capacity);
        this.buckets = capacity / SLOTS_PER_BUCKET;
        this.maxSize = maxSizeFor(capacity);
        this.budget = budget;
        long bytes = bytesFor(capacity);
        OffHeapIo.charge(budget, bytes);
        try {
            arena = Arena.ofShared();
            mem = arena.allocate(bytes, BUCKET_BYTES);
            anonymous = true;
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
        this.capacity = checkCapacity(capacity);
        this.buckets = capacity / SLOTS_PER_BUCKET;
        this.maxSize = maxSizeFor(capacity);
        this.budget = budget;
        if (mem.byteSize() != bytesFor(capacity)) {
            throw new IllegalArgumentException("table memory of " + mem.byteSize() + " bytes for " + capacity
                    + " slots");
        }
        OffHeapIo.charge(budget, bytesFor(capacity));
        this.arena = arena;
        this.mem = mem;
        this.anonymous = false;
        this.size = size;
    }

    /** Whether {@code capacity} slots make a valid table (a segment file's header is checked with this). */
    static boolean validCapacity(long capacity) {
        return capacity >= MIN_CAPACITY && capacity <= MAX_CAPACITY && capacity % SLOTS_PER_BUCKET == 0;
    }

    private static int checkCapacity(int capacity) {
        if (!validCapacity(capacity)) {
            throw new IllegalArgumentException("invalid table capacity " + capacity);
        }
        return capacity;
    }

    private static int maxSizeFor(int capacity) {
        return (int) (capacity * MAX_LOAD);
    }

    /** The table's memory, for writing it to a segment file. */
    MemorySegment memory() {
        return mem;
    }

    static long bytesFor(int capacity) {
        return 16L * capacity;
    }

    /**
     * The capacity after growing: 20% more (in whole buckets), so a full table is between 75% and 90% loaded and
     * memory per entry stays near 16 / 0.82 = 19.5 bytes; but double below {@value #SMALL_CAPACITY} slots (64 KiB),
     * where density is worth less than the growths saved (each costs a rehash and freeing the old table).
     */
    static int grownCapacity(int capacity) {
        long next = roundUp(capacity < SMALL_CAPACITY ? 2L * capacity : capacity + capacity / 5L);
        if (next > MAX_CAPACITY) {
            throw new IllegalStateException("a LongLongMap segment cannot hold more than ~2 billion entries;"
                    + " build the map with more segments");
        }
        return (int) next;
    }

    /** The smallest capacity that holds {@code entries} under the load limit. */
    static int capacityFor(long entries) {
        return (int) Math.min(MAX_CAPACITY, roundUp(Math.max(MIN_CAPACITY, (long) Math.ceil(entries / MAX_LOAD))));
    }

    private static long roundUp(long slots) {
        return (slots + SLOTS_PER_BUCKET - 1) & -SLOTS_PER_BUCKET;
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

    static int firstBucket(long hash, int buckets) {
        return (int) (((hash & 0xFFFF_FFFFL) * buckets) >>> 32);
    }

    /** A bucket other than the first (the segment index uses the hash's top bits, so a product of it here). */
    private static int secondBucket(long hash, int first, int buckets) {
        int b = first + 1 + (int) ((((hash * PHI) >>> 32) * (buckets - 1)) >>> 32);
        return b >= buckets ? b - buckets : b;
    }

    private int otherBucket(long hash, int bucket) {
        int first = firstBucket(hash, buckets);
        return bucket == first ? secondBucket(hash, first, buckets) : first;
    }

    /** The hash stored in slot {@code i} (0 when empty); the key is {@code unmix} of it. */
    long hashAt(int i) {
        return mem.get(LONG, (long) i << 4);
    }

    long value(int i) {
        return mem.get(LONG, ((long) i << 4) + 8);
    }

    private void set(int i, long hash, long value) {
        mem.set(LONG, (long) i << 4, hash);
        mem.set(LONG, ((long) i << 4) + 8, value);
    }

    /** The slot of bucket {@code b} holding {@code hash}, or -1 (with hash 0: the first free slot). */
    private int slotIn(int b, long hash) {
        return slotIn(mem, b, hash);
    }

    private static int slotIn(MemorySegment mem, int b, long hash) {
        long base = (long) b * BUCKET_BYTES;
        int i = b * SLOTS_PER_BUCKET;
        if (mem.get(LONG, base) == hash) {
            return i;
        }
        if (mem.get(LONG, base + 16) == hash) {
            return i + 1;
        }
        if (mem.get(LONG, base + 32) == hash) {
            return i + 2;
        }
        if (mem.get(LONG, base + 48) == hash) {
            return i + 3;
        }
        return -1;
    }

    /** The slot holding the key whose hash is {@code hash} (never 0), or -1. */
    int find(long hash) {
        return find(mem, buckets, hash);
    }

    /**
     * {@link #find} over a table's memory and bucket count as its segment caches them (the get path). Reads eight
     * slots at most, so it ends even on memory a writer is changing; an optimistic reader validates afterwards.
     */
    static int find(MemorySegment mem, int buckets, long hash) {
        int first = firstBucket(hash, buckets);
        int i = slotIn(mem, first, hash);
        return i >= 0 ? i : slotIn(mem, secondBucket(hash, first, buckets), hash);
    }

    /**
     * Reads the first word of both of {@code hash}'s buckets and returns them mixed, so a batched get can start
     * the cache misses of many keys before it compares any (see {@code LongLongMap.getAll}).
     */
    static long touch(MemorySegment mem, int buckets, long hash) {
        int first = firstBucket(hash, buckets);
        int second = secondBucket(hash, first, buckets);
        return mem.get(LONG, (long) first * BUCKET_BYTES) ^ mem.get(LONG, (long) second * BUCKET_BYTES);
    }

    /**
     * {@link #find} for a writer, who mostly looks up absent keys (and so reads both buckets): the first slot of
     * each bucket is read before either is compared, so the two cache misses overlap instead of following each
     * other.
     */
    int findBoth(long hash) {
        int first = firstBucket(hash, buckets);
        int second = secondBucket(hash, first, buckets);
        long a = mem.get(LONG, (long) first * BUCKET_BYTES);
        long b = mem.get(LONG, (long) second * BUCKET_BYTES);
        if (a == hash) {
            return first * SLOTS_PER_BUCKET;
        }
        if (b == hash) {
            return second * SLOTS_PER_BUCKET;
        }
        int i = slotIn(first, hash);
        return i >= 0 ? i : slotIn(second, hash);
    }

    static long value(MemorySegment mem, int i) {
        return mem.get(LONG, ((long) i << 4) + 8);
    }

    /** Sets the value of a key known to be present at slot {@code i}. */
    void setValue(int i, long value) {
        mem.set(LONG, ((long) i << 4) + 8, value);
    }

    /**
     * Inserts the key with hash {@code hash}, known to be absent (hash never 0), if the table has room for it: a
     * false return (the table is at its load limit, or no chain of moves frees a slot in either of the key's
     * buckets) leaves the table unchanged, and the caller grows it.
     */
    boolean insertNew(long hash, long value) {
        if (size >= maxSize) {
            return false;
        }
        int first = firstBucket(hash, buckets);
        int free = slotIn(first, 0);
        if (free < 0) {
            int second = secondBucket(hash, first, buckets);
            free = slotIn(second, 0);
            if (free < 0) {
                free = makeRoom(first, second);
                if (free < 0) {
                    return false;
                }
            }
        }
        set(free, hash, value);
        size++;
        return true;
    }

    /**
     * Frees a slot in bucket {@code first} or {@code second} (both full) by moving residents to their other
     * buckets: a breadth-first search over buckets, each node reached by moving one resident of its parent out,
     * stops at the first resident whose other bucket has a free slot; then the chain is shifted from that end
     * back to the root. Returns the freed slot, or -1 when no chain is found within the search limit.
     */
    private int makeRoom(int first, int second) {
        if (searchBucket == null) {
            searchBucket = new int[SEARCH_NODES];
            searchParent = new int[SEARCH_NODES];   // parent node * SLOTS_PER_BUCKET + the parent's slot moved
        }
        int[] bucketOf = searchBucket;
        int[] parentOf = searchParent;
        bucketOf[0] = first;
        parentOf[0] = -1;
        bucketOf[1] = second;
        parentOf[1] = -1;
        int nodes = 2;
        for (int node = 0; node < nodes; node++) {
            int b = bucketOf[node];
            for (int s = 0; s < SLOTS_PER_BUCKET; s++) {
                int slot = b * SLOTS_PER_BUCKET + s;
                long h = hashAt(slot);
                int alt = otherBucket(h, b);
                int free = slotIn(alt, 0);
                if (free >= 0) {
                    return shiftChain(node, slot, free);
                }
                if (nodes < SEARCH_NODES && !onPath(node, alt)) {
                    bucketOf[nodes] = alt;
                    parentOf[nodes] = node * SLOTS_PER_BUCKET + s;
                    nodes++;
                }
            }
        }
        return -1;
    }

    /**
     * Whether {@code bucket} is {@code node}'s or an ancestor's: a chain visits each bucket once, so every move
     * takes a resident its search saw into the bucket the search computed for it.
     */
    private boolean onPath(int node, int bucket) {
        for (int n = node; n >= 0; n = searchParent[n] < 0 ? -1 : searchParent[n] / SLOTS_PER_BUCKET) {
            if (searchBucket[n] == bucket) {
                return true;
            }
        }
        return false;
    }

    /**
     * Moves the resident of {@code slot} (in {@code node}'s bucket) to the free slot {@code free}, then each
     * ancestor's moved resident into the slot just vacated, and returns the slot vacated in the root bucket.
     */
    private int shiftChain(int node, int slot, int free) {
        int to = free;
        int from = slot;
        int n = node;
        while (true) {
            set(to, hashAt(from), value(from));
            int parent = searchParent[n];
            if (parent < 0) {
                return from;
            }
            to = from;
            n = parent / SLOTS_PER_BUCKET;
            from = searchBucket[n] * SLOTS_PER_BUCKET + parent % SLOTS_PER_BUCKET;
        }
    }

    /**
     * Whether an insert this table just refused was refused far below the load limit. With keys that are not
     * chosen to collide, a search over 128 buckets finds room in a table of this size at any load up to ~97%;
     * failing at under half full means more than eight keys share the same two buckets, which growing does not
     * cure (their hashes stay equal in the bits that pick buckets), so the caller refuses the put instead of
     * growing without end.
     */
    boolean refusedWhileSparse() {
        return capacity >= FLOOD_CHECK_CAPACITY && size < capacity / 2;
    }

    /** The explanation for a put refused by {@link #refusedWhileSparse}. */
    static IllegalStateException collidingKeys() {
        return new IllegalStateException("LongLongMap refused a put: more than 8 keys of one segment share both of"
                + " their buckets, which happens only with keys chosen to collide (the hash is a fixed public"
                + " function); the map is unchanged");
    }

    /** Removes the entry at slot {@code i}. */
    void removeAt(int i) {
        set(i, 0, 0);
        size--;
    }

    /**
     * A larger table with every entry of this one, at least {@code newCapacity} slots (more if the entries do not
     * fit, which at the new table's lower load is vanishingly rare). This table is left unchanged (the caller
     * frees it); keys that collide by construction ({@link #refusedWhileSparse}) throw instead of growing on.
     */
    LongTable grow(int newCapacity) {
        int cap = newCapacity;
        while (true) {
            LongTable t = new LongTable(cap, budget);
            if (t.copyFrom(this)) {
                return t;
            }
            boolean sparse = t.refusedWhileSparse();
            t.free();
            if (sparse) {
                throw collidingKeys();
            }
            cap = grownCapacity(cap);
        }
    }

    private boolean copyFrom(LongTable old) {
        for (int i = 0; i < old.capacity; i++) {
            long h = old.hashAt(i);
            if (h != 0 && !insertNew(h, old.value(i))) {
                return false;
            }
        }
        return true;
    }

    void clear() {
        mem.fill((byte) 0);
        size = 0;
    }

    /** Frees the native memory and returns its bytes to the budget. */
    void free() {
        if (anonymous) {
            // Out of RSS now: the C heap may keep a freed region mapped for reuse (glibc does for the sizes a
            // growing map frees), which would leave a grown map's old tables resident.
            PageRelease.release(mem, 0, mem.byteSize());
        }
        arena.close();
        if (budget != null) {
            budget.release(bytesFor(capacity));
        }
    }
}
