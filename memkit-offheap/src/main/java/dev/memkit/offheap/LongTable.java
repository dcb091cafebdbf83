package dev.memkit.offheap;

import dev.memkit.budget.MemoryBudget;
import dev.memkit.region.Charge;
import dev.memkit.region.NativeRegion;
import dev.memkit.internal.PageRelease;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One {@code long → long} table in native memory: bucketed cuckoo hashing, four 16-byte slots to a 64-byte
 * (cache-line) bucket, two candidate buckets per key, at most 85% full, grown one bucket at a time by linear
 * hashing.
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
 *   region: | buckets 0 .. n-1 (in use) | zeros, reserved for growth (not resident until touched) |
 * </pre>
 *
 * <p><b>Algorithm.</b> A slot stores the key's hash, not the key: the hash function ({@link #mix}) is a bijection
 * on 64-bit values, so the key is recovered exactly by {@link #unmix}, and moving a resident never rehashes its
 * key. A key lives in one of two buckets, its first and its second, the linear-hashing addresses
 * ({@link #address}) among the table's {@code n} buckets of two independent 32-bit halves of its hash: with
 * {@code 2^k <= n < 2^(k+1)}, an address is {@code x mod 2^(k+1)}, or {@code x mod 2^k} when that bucket does not
 * exist yet. So {@code n} need not be a power of two, and adding bucket {@code n} changes only the addresses that
 * were {@code p = n - 2^k} (to {@code p} or {@code n}): growing by one bucket moves some residents of bucket
 * {@code p} into the new one and touches nothing else ({@link #addBucket}). A table therefore grows as it fills,
 * staying at most 85% full (16 / 0.85 = 18.8 bytes per entry), each entry moved about once per doubling, with no
 * pause to rehash the table. The price is uneven load: the buckets not yet split this round take twice the
 * addresses of the others, so more keys overflow to their second bucket and stay there after their first is split
 * (a get of such a key reads two lines), and inserts search for chains of moves more often; the load limit is set
 * where those searches still cost less than rehashing would (decision 0005).
 *
 * <p>A lookup reads at most the two candidate buckets (two cache lines) and compares eight hashes, whatever the
 * load; most keys sit in their first bucket, so most lookups read one line. An insert takes a free slot of either
 * bucket (the first preferred); when both are full it searches breadth-first, over at most {@value #SEARCH_NODES}
 * buckets, for the shortest chain of residents that can each move to their other bucket, and moves them from the
 * free end back, so the table is never without an entry mid-insert. If the search fails the caller adds buckets.
 * Removal empties the slot: no tombstones, no shifting. Hash 0 (the hash of key 0) marks an empty slot; the map
 * stores key 0 outside the table.
 *
 * <p><b>Memory.</b> The table lives in a region bigger than its buckets, so adding one writes memory already there.
 * A table that outgrows its region moves to a bigger one: one copy of its bytes, no rehash. With page mapping
 * available ({@link PageRelease#mapAnonymous}), a region of {@value #MAP_THRESHOLD} bytes or more is a fresh
 * anonymous mapping of twice the size needed, whose pages become resident only when buckets reach them, so the
 * reserve costs address space, not memory; other regions come zeroed (so resident) from the C heap, twice the
 * size needed when small and a quarter more when large. A table built for an expected size starts in a region
 * of exactly that size, and a table over a copy-on-write file mapping moves at its first growth. The budget is
 * charged for a mapped region's bytes in use, rounded up to {@value #CHARGE_GRANULE} bytes, and for the whole of
 * any other region.
 *
 * <p><b>Ownership and concurrency.</b> Not thread-safe: {@link LongLongMap} guards each table with its segment's
 * lock. The table owns its region ({@link NativeRegion}, over a shared arena); moving or {@link #free()} closes it, after which any
 * access through the old region (a racing optimistic reader's) throws {@link IllegalStateException} instead of
 * reading freed memory. A lookup reads at most eight slots of the region, so it ends even on a table a writer is
 * changing (the optimistic reader validates after).
 */
final class LongTable {
    static final double MAX_LOAD = 0.85;
    static final int SLOTS_PER_BUCKET = 4;
    static final int BUCKET_BYTES = 64;
    static final int MIN_CAPACITY = 16;
    static final int FLOOD_CHECK_CAPACITY = 1024;
    /** The largest capacity in slots: a multiple of the bucket size whose slot indexes still fit an int. */
    static final int MAX_CAPACITY = (Integer.MAX_VALUE - 8) & -SLOTS_PER_BUCKET;
    private static final int SEARCH_NODES = 128;
    private static final long PHI = 0x9E3779B97F4A7C15L;
    private static final long CHARGE_GRANULE = 4 << 10;
    private static final long MAP_THRESHOLD = 64 << 10;     // smaller regions come from the C heap
    // Unaligned: every offset is 8-aligned in 64-byte-aligned memory, so the per-access alignment check is waste.
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

    int capacity;                            // slots in use: 4 * buckets
    int maxSize;
    int size;
    int buckets;                             // n, in use; the region holds more
    private NativeRegion owner;              // owns region and its charge; replaced when the table moves
    private MemorySegment region;            // owner.memory(): buckets 0..n-1, then zeros
    private final Charge charge;
    private final boolean mayMap;           // false: regions only from the C heap (tests of the fallback)
    private int[] searchBucket;             // breadth-first search scratch, allocated at the first full pair
    private int[] searchParent;

    /** Allocates a zeroed (all empty) table; the budget, if any, is charged first. */
    LongTable(int capacity, MemoryBudget budget) {
        this(capacity, budget, true);
    }

    /** As {@link #LongTable(int, MemoryBudget)}; with {@code mayMap} false every region comes from the C heap. */
    LongTable(int capacity, MemoryBudget budget, boolean mayMap) {
        this.charge = Charge.of(budget);
        this.mayMap = mayMap;
        setCapacity(checkCapacity(capacity));
        moveTo(bytesFor(capacity), true);
    }

    /**
     * A table over existing memory (a copy-on-write mapping of a synced segment file), taking ownership of
     * {@code arena}; the budget, if any, is charged for the table's bytes.
     */
    LongTable(MemorySegment mem, Arena arena, int capacity, int size, MemoryBudget budget) {
        this.charge = Charge.of(budget);
        this.mayMap = true;
        setCapacity(checkCapacity(capacity));
        if (mem.byteSize() != bytesFor(capacity)) {
            throw new IllegalArgumentException("table memory of " + mem.byteSize() + " bytes for " + capacity
                    + " slots");
        }
        this.owner = NativeRegion.adopt(mem, arena, bytesFor(capacity), charge);
        this.region = mem;
        this.size = size;
    }

    private void setCapacity(int slots) {
        capacity = slots;
        buckets = slots / SLOTS_PER_BUCKET;
        maxSize = maxSizeFor(slots);
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

    /** The buckets in use, for writing them to a segment file. */
    MemorySegment memory() {
        return region.asSlice(0, bytesFor(capacity));
    }

    /**
     * The whole region (buckets in use, then zeros), which a segment caches for its readers: valid until the
     * table moves ({@link #addBucket} or {@link #growTo} may move it; compare before and after).
     */
    MemorySegment region() {
        return region;
    }

    static long bytesFor(int capacity) {
        return 16L * capacity;
    }

    /** Native bytes this table holds against its budget (see the class comment on memory). */
    long chargedBytes() {
        return owner.charged();
    }

    /**
     * Moves the buckets in use to a new region of at least {@code need} bytes, with room to grow unless
     * {@code exact}, charging the budget first, and frees the old region (if any).
     */
    private void moveTo(long need, boolean exact) {
        long used = region == null ? 0 : bytesFor(capacity);
        long most = bytesFor(MAX_CAPACITY);
        long mapBytes = Math.min(most, exact ? need : 2 * need);
        long pages = PageRelease.pageUp(mapBytes);
        // A mapped region is charged for the bytes about to be in use, not only those copied: the caller adds
        // buckets up to need without charging again.
        NativeRegion to = mayMap && mapBytes >= MAP_THRESHOLD
                ? NativeRegion.map(pages, mappedCharge(need, pages), charge) : null;
        if (to == null) {
            long heapBytes = exact ? need : Math.min(most, need < MAP_THRESHOLD ? 2 * need : need + need / 4);
            to = NativeRegion.allocate(heapBytes, BUCKET_BYTES, charge);
        }
        if (used > 0) {
            MemorySegment.copy(region, 0, to.memory(), 0, used);
        }
        if (owner != null) {
            owner.closeReleasingPages();
        }
        owner = to;
        region = to.memory();
    }

    /** The charge for a mapped region with {@code used} bytes in use: that, in whole granules, within the region. */
    private static long mappedCharge(long used, long regionBytes) {
        return Math.min(regionBytes, Math.max(CHARGE_GRANULE, (used + CHARGE_GRANULE - 1) & -CHARGE_GRANULE));
    }

    /**
     * Makes room in the region for {@code slots} slots: moves to a bigger region if needed, and charges the budget
     * for the bytes in use as they cross granules.
     */
    private void reserve(int slots) {
        long need = bytesFor(slots);
        if (need > region.byteSize()) {
            moveTo(need, false);
        } else if (need > owner.charged()) {
            owner.chargeTo(mappedCharge(need, region.byteSize()));
        }
    }

    /**
     * Adds one bucket, {@code n}: splits bucket {@code p = n - 2^k} (see the class comment), moving each resident
     * whose addresses among {@code n + 1} buckets no longer include {@code p} into the new bucket. At most four
     * move, and the new bucket is empty, so all fit. May move the table to a bigger region.
     *
     * @throws IllegalStateException at the maximum capacity
     * @throws dev.memkit.budget.BudgetExceededException if the budget refuses the memory; the table is unchanged
     */
    void addBucket() {
        if (capacity > MAX_CAPACITY - SLOTS_PER_BUCKET) {
            throw new IllegalStateException("a LongLongMap segment cannot hold more than ~2 billion entries;"
                    + " build the map with more segments");
        }
        reserve(capacity + SLOTS_PER_BUCKET);
        int n = buckets;
        int p = n - Integer.highestOneBit(n);
        int grown = n + 1;
        int to = n * SLOTS_PER_BUCKET;
        for (int slot = p * SLOTS_PER_BUCKET, end = slot + SLOTS_PER_BUCKET; slot < end; slot++) {
            long h = hashAt(slot);
            if (h != 0 && firstBucket(h, grown) != p && secondBucket(h, grown) != p) {
                set(to++, h, value(slot));
                set(slot, 0, 0);
            }
        }
        setCapacity(capacity + SLOTS_PER_BUCKET);
    }

    /** Adds buckets until the table has at least {@code slots} slots, moving region at most once. */
    void growTo(int slots) {
        if (slots <= capacity) {
            return;
        }
        int target = (int) Math.min(MAX_CAPACITY, roundUp(slots));
        reserve(target);
        while (capacity < target) {
            addBucket();
        }
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

    /**
     * Linear hashing's address of {@code x} among {@code n} buckets: {@code x mod 2^(k+1)} for the
     * {@code 2^k <= n < 2^(k+1)}, or {@code x mod 2^k} when that bucket does not exist yet.
     */
    static int address(int x, int n) {
        int high = (Integer.highestOneBit(n) << 1) - 1;
        int a = x & high;
        return a < n ? a : a & (high >>> 1);
    }

    /** The first bucket: the address of the hash's low half (the segment index uses its top bits). */
    static int firstBucket(long hash, int buckets) {
        return address((int) hash, buckets);
    }

    /** The second bucket: the address of the high half of {@code hash * φ}; may equal the first. */
    static int secondBucket(long hash, int buckets) {
        return address((int) ((hash * PHI) >>> 32), buckets);
    }

    private int otherBucket(long hash, int bucket) {
        int first = firstBucket(hash, buckets);
        return bucket == first ? secondBucket(hash, buckets) : first;
    }

    /** The hash stored in slot {@code i} (0 when empty); the key is {@code unmix} of it. */
    long hashAt(int i) {
        return region.get(LONG, (long) i << 4);
    }

    long value(int i) {
        return region.get(LONG, ((long) i << 4) + 8);
    }

    private void set(int i, long hash, long value) {
        region.set(LONG, (long) i << 4, hash);
        region.set(LONG, ((long) i << 4) + 8, value);
    }

    /** The slot of bucket {@code b} holding {@code hash}, or -1 (with hash 0: the first free slot). */
    private int slotIn(int b, long hash) {
        return slotIn(region, b, hash);
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
        return find(region, buckets, hash);
    }

    /**
     * {@link #find} over a table's memory and bucket count as its segment caches them (the get path). Reads eight
     * slots at most, so it ends even on memory a writer is changing; an optimistic reader validates afterwards.
     */
    static int find(MemorySegment mem, int buckets, long hash) {
        int i = slotIn(mem, firstBucket(hash, buckets), hash);
        return i >= 0 ? i : slotIn(mem, secondBucket(hash, buckets), hash);
    }

    /**
     * Reads the first word of both of {@code hash}'s buckets and returns them mixed, so a batched get can start
     * the cache misses of many keys before it compares any (see {@code LongLongMap.getAll}).
     */
    static long touch(MemorySegment mem, int buckets, long hash) {
        return mem.get(LONG, (long) firstBucket(hash, buckets) * BUCKET_BYTES)
                ^ mem.get(LONG, (long) secondBucket(hash, buckets) * BUCKET_BYTES);
    }

    /**
     * {@link #find} for a writer, who mostly looks up absent keys (and so reads both buckets): the first slot of
     * each bucket is read before either is compared, so the two cache misses overlap instead of following each
     * other.
     */
    int findBoth(long hash) {
        int first = firstBucket(hash, buckets);
        int second = secondBucket(hash, buckets);
        long a = region.get(LONG, (long) first * BUCKET_BYTES);
        long b = region.get(LONG, (long) second * BUCKET_BYTES);
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
        region.set(LONG, ((long) i << 4) + 8, value);
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
            int second = secondBucket(hash, buckets);
            free = second == first ? -1 : slotIn(second, 0);
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

    void clear() {
        region.asSlice(0, bytesFor(capacity)).fill((byte) 0);
        size = 0;
    }

    /** Frees the native memory and returns its bytes to the budget. */
    void free() {
        owner.closeReleasingPages();
    }
}
