package dev.memkit.arena;

import dev.memkit.buffer.Buffer;
import dev.memkit.buffer.BufferPool;
import dev.memkit.internal.BufferAccess;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Region allocation over pooled memory: many short-lived allocations that die together (one request's scratch
 * space, one batch's parse tree) are bump-allocated from chunks leased from a {@link BufferPool} and dropped at
 * once by {@link #reset()} or {@link #close()}.
 *
 * <pre>{@code
 * try (RegionArena arena = RegionArena.confined(pool)) {
 *     for (Request r : requests) {
 *         MemorySegment header = arena.allocate(64);                 // zeroed, 8-byte aligned
 *         MemorySegment name = arena.allocateFrom(r.name());         // every SegmentAllocator helper works
 *         handle(r, header, name);
 *         arena.reset();                                             // everything above is now unusable
 *     }
 * }
 * }</pre>
 *
 * <h2>Design</h2>
 * Each round (the time between two resets) has its own JDK {@link Arena}, the <em>round scope</em>, and every
 * segment handed out belongs to it, so closing the round scope at reset invalidates every segment of that round:
 * any later access throws {@code IllegalStateException} (from the owner thread of a confined arena, or from any
 * thread of a shared one), never reads the next round's data. An allocation larger than half a chunk gets a
 * dedicated block, released at reset.
 *
 * <p>Where the memory comes from depends on native access:
 * <ul>
 *   <li><b>Granted</b> ({@code --enable-native-access=dev.memkit}, or {@code ALL-UNNAMED} on the class path):
 *       chunks are leased from the pool and re-scoped to the round once per round with the restricted method
 *       {@code MemorySegment.reinterpret}. The re-scoping registers a close action on the round scope that holds
 *       the chunk's lease, so the lease stays reachable for as long as any segment of the round is: an arena
 *       dropped without {@code close()} while its segments are kept never lets the pool reclaim (and so reuse or
 *       free) memory those segments still address. Once the arena and all its segments are unreachable, the pool's
 *       leak detection reclaims the chunks.</li>
 *   <li><b>Not granted</b>: memkit calls no restricted method. Each round allocates its chunks from the round scope
 *       itself (the C heap, zeroed, freed at reset), charged to the pool's limit and budget while the round lasts.
 *       Same guarantees, without reuse of chunks across rounds.</li>
 * </ul>
 *
 * <h2>Variants and their costs</h2>
 * <ul>
 *   <li>{@link #confined(BufferPool) Confined}: one owner thread allocates; the cheapest. Allocation is a bump of a
 *       plain field; reset closes a confined round scope, which costs no handshake. Other threads cannot use its
 *       segments at all, before or after a reset: the JDK throws {@code WrongThreadException}.</li>
 *   <li>{@link #shared(BufferPool) Shared}: any thread may allocate and use the segments. Allocation bumps under a
 *       lock; reset closes a shared round scope, which makes the JDK handshake with every thread (tens of µs):
 *       amortize it over large batches. An allocation that must wait for pool memory waits outside the lock, so
 *       a reset or another allocation never waits behind it.</li>
 * </ul>
 *
 * <h2>Zeroing</h2>
 * {@code allocate} returns zeroed memory by default, as {@code SegmentAllocator} users expect of
 * {@code allocate(layout)}; pooled chunks hold old data, so this costs a fill per allocation. Callers that
 * overwrite everything they allocate (the {@code allocateFrom} helpers do) can turn it off with
 * {@link Builder#zeroing(boolean)}.
 *
 * <h2>Ownership and thread-safety</h2>
 * The arena leases its chunks from the pool and returns them at {@link #close()} (at {@link #reset()} it keeps up
 * to {@code retainedChunks} for the next round). Segments it hands out are owned by the round: valid until the next
 * reset or close. A confined arena is used by its owner thread only, and so is its {@code reset}/{@code close};
 * a shared arena is thread-safe, and a segment allocated concurrently with a reset belongs to the closed round
 * (its first access throws).
 *
 * @since 0.1
 */
public final class RegionArena implements SegmentAllocator, AutoCloseable {
    /** Source of zeroes for bulk clearing: a copy runs as memcpy, where fill of this size loops in Java. */
    private static final MemorySegment ZEROES = Arena.global().allocate(64L << 10, 64);
    /** Whether chunks may be leased from the pool and re-scoped (a restricted call); see the class comment. */
    private static final boolean RESCOPE = RegionArena.class.getModule().isNativeAccessEnabled();
    private final BufferPool pool;
    private final boolean shared;
    private final boolean zeroing;
    private final long chunkBytes;
    private final int retainedChunks;
    private final Thread owner;                       // confined only
    private final ReentrantLock lock;                 // shared only: guards every field below

    private Arena round;                              // scope of everything handed out this round
    private final List<Buffer> chunks = new ArrayList<>();    // leased chunks; the last one is current
    private final List<Buffer> dedicated = new ArrayList<>(); // big allocations, released at reset
    private long unpooled;                            // without RESCOPE: bytes of this round charged to the pool
    private Buffer spare;                             // shared: a lease taken outside the lock, not yet used
    private long needed;                              // shared: the lease size allocateLocked asked for, or 0
    private MemorySegment current;                    // the current chunk, scoped to the round
    private int currentIndex = -1;                    // its position in chunks
    private long offset;                              // bump pointer in current
    private boolean closed;

    private long allocated;
    private long totalAllocated;
    private long resets;
    private long highWater;
    private long wasteAtReset;

    private RegionArena(Builder b) {
        this.pool = b.pool;
        this.shared = b.shared;
        this.zeroing = b.zeroing;
        this.chunkBytes = b.chunkBytes;
        this.retainedChunks = b.retainedChunks;
        this.owner = shared ? null : Thread.currentThread();
        this.lock = shared ? new ReentrantLock() : null;
        this.round = shared ? Arena.ofShared() : Arena.ofConfined();
    }

    /**
     * A confined arena with 64 KiB chunks, zeroing on, two chunks kept across resets.
     *
     * @param pool where chunks come from
     * @return an arena owned by the calling thread
     */
    public static RegionArena confined(BufferPool pool) {
        return builder(pool).build();
    }

    /**
     * A shared arena with the default settings.
     *
     * @param pool where chunks come from
     * @return an arena any thread may use
     */
    public static RegionArena shared(BufferPool pool) {
        return builder(pool).shared(true).build();
    }

    /**
     * A builder.
     *
     * @param pool where chunks come from
     * @return a new builder
     */
    public static Builder builder(BufferPool pool) {
        return new Builder(Objects.requireNonNull(pool, "pool"));
    }

    /**
     * Allocates {@code byteSize} bytes at the given alignment, from the current round.
     *
     * @param byteSize bytes, zero or more
     * @param byteAlignment a power of two
     * @return a segment valid until the next {@link #reset()} or {@link #close()}
     * @throws IllegalArgumentException for a negative size or an alignment that is not a power of two
     * @throws IllegalStateException if the arena is closed
     * @throws WrongThreadException if a confined arena is used from another thread
     * @throws dev.memkit.buffer.PoolExhaustedException if the pool cannot supply a chunk
     */
    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        if (byteSize < 0) {
            throw new IllegalArgumentException("allocation size must not be negative: " + byteSize);
        }
        if (byteAlignment <= 0 || (byteAlignment & (byteAlignment - 1)) != 0) {
            throw new IllegalArgumentException("alignment must be a power of two: " + byteAlignment);
        }
        if (byteSize > Long.MAX_VALUE - byteAlignment) {
            throw new IllegalArgumentException("allocation of " + byteSize + " bytes aligned to " + byteAlignment
                    + " overflows a long");
        }
        if (!shared) {
            checkOwner();
            return allocateLocked(byteSize, byteAlignment);
        }
        // A lease the pool may make us wait for is taken outside the lock, so a reset or another allocation never
        // waits behind it; the loop ends when allocateLocked finds room (at most one lease per pass).
        for (Buffer taken = null; ; ) {
            long need;
            lock.lock();
            try {
                if (taken != null) {
                    if (closed) {
                        taken.close();
                    } else {
                        keepSpare(taken);
                    }
                    taken = null;
                }
                MemorySegment s = allocateLocked(byteSize, byteAlignment);
                if (s != null) {
                    return s;
                }
                need = needed;
                needed = 0;
            } finally {
                lock.unlock();
            }
            taken = pool.acquire(need);
        }
    }

    /** Keeps a lease taken outside the lock for the allocation that asked for it (closing any stale one). */
    private void keepSpare(Buffer taken) {
        if (spare != null) {
            spare.close();
        }
        spare = taken;
    }

    /**
     * Allocates from the round; null only in a shared arena that needs a lease of {@link #needed} bytes first.
     */
    private MemorySegment allocateLocked(long size, long alignment) {
        if (closed) {
            throw new IllegalStateException("RegionArena is closed");
        }
        MemorySegment c = current;
        if (c != null) {
            long start = alignUp(c.address() + offset, alignment) - c.address();
            if (start + size <= c.byteSize()) {
                offset = start + size;
                return handOut(c.asSlice(start, size), size);
            }
        }
        return allocateSlow(size, alignment);
    }

    private MemorySegment handOut(MemorySegment s, long size) {
        account(size);
        if (zeroing) {
            zero(s);
        }
        return s;
    }

    private static void zero(MemorySegment s) {
        long n = s.byteSize();
        if (n <= 256) {
            s.fill((byte) 0);
            return;
        }
        for (long at = 0; at < n; at += ZEROES.byteSize()) {
            MemorySegment.copy(ZEROES, 0, s, at, Math.min(ZEROES.byteSize(), n - at));
        }
    }

    private static long alignUp(long address, long alignment) {
        return (address + alignment - 1) & -alignment;
    }

    private MemorySegment allocateSlow(long size, long alignment) {
        if (size + alignment > chunkBytes / 2) {
            long bytes = Math.max(1, size + alignment - 1);
            MemorySegment scoped;
            if (RESCOPE) {
                Buffer block = lease(bytes);
                if (block == null) {
                    return null;
                }
                dedicated.add(block);
                scoped = scope(block);
            } else {
                scoped = unpooled(bytes);
            }
            long start = alignUp(scoped.address(), alignment) - scoped.address();
            return handOut(scoped.asSlice(start, size), size);
        }
        int next = currentIndex + 1;
        MemorySegment chunk;
        if (!RESCOPE) {
            chunk = unpooled(chunkBytes);
        } else {
            if (next == chunks.size()) {
                Buffer fresh = lease(chunkBytes);
                if (fresh == null) {
                    return null;
                }
                chunks.add(fresh);
            }
            chunk = scope(chunks.get(next));
        }
        if (current != null) {
            wasteAtReset += current.byteSize() - offset; // the skipped tail is lost for this round
        }
        current = chunk;
        currentIndex = next;
        offset = 0;
        return allocateLocked(size, alignment);
    }

    /** A lease of {@code bytes}: from the pool (confined), or the spare taken outside the lock (shared). */
    private Buffer lease(long bytes) {
        if (!shared) {
            return pool.acquire(bytes);
        }
        Buffer s = spare;
        if (s != null && s.size() == bytes) {
            spare = null;
            return s;
        }
        needed = bytes;
        return null;
    }

    /**
     * The lease's memory re-scoped to the round. The close action holds the lease: the round scope, reachable from
     * every segment of the round, so keeps the lease reachable (see the class comment). It runs at reset, before
     * the lease goes back, and does nothing else.
     */
    @SuppressWarnings("restricted") // only with native access granted: see the class comment and module-info
    private MemorySegment scope(Buffer lease) {
        MemorySegment raw = BufferAccess.get().unwatchedSegment(lease);
        return raw.reinterpret(round, ignored -> Reference.reachabilityFence(lease));
    }

    /** Without native access: round memory from the round scope itself, charged to the pool until the reset. */
    private MemorySegment unpooled(long bytes) {
        BufferAccess.get().charge(pool, bytes);
        try {
            MemorySegment m = round.allocate(bytes, 16);
            unpooled += bytes;
            return m;
        } catch (RuntimeException | OutOfMemoryError e) {
            BufferAccess.get().uncharge(pool, bytes);
            throw e;
        }
    }

    private void account(long size) {
        allocated += size;
        totalAllocated += size;
        highWater = Math.max(highWater, allocated);
    }

    /**
     * Makes everything allocated so far unusable, keeps up to {@code retainedChunks} chunks for the next round and
     * returns the rest (and every dedicated block) to the pool.
     *
     * @throws IllegalStateException if the arena is closed
     * @throws WrongThreadException if a confined arena is reset from another thread
     */
    public void reset() {
        endRound(false);
    }

    /** Runs {@link #resetLocked} as the owner thread (confined) or under the lock (shared). */
    private void endRound(boolean closing) {
        if (!shared) {
            checkOwner();
            resetLocked(closing);
            return;
        }
        lock.lock();
        try {
            resetLocked(closing);
        } finally {
            lock.unlock();
        }
    }

    private void resetLocked(boolean closing) {
        if (closed) {
            if (closing) {
                return;
            }
            throw new IllegalStateException("RegionArena is closed");
        }
        round.close();
        if (current != null) {
            wasteAtReset += current.byteSize() - offset;
        }
        if (unpooled > 0) {
            BufferAccess.get().uncharge(pool, unpooled);
            unpooled = 0;
        }
        if (spare != null) {
            spare.close();
            spare = null;
        }
        for (Buffer b : dedicated) {
            b.close();
        }
        dedicated.clear();
        int keep = closing ? 0 : Math.min(retainedChunks, chunks.size());
        while (chunks.size() > keep) {
            chunks.removeLast().close();
        }
        current = null;
        currentIndex = -1;
        offset = 0;
        allocated = 0;
        if (closing) {
            closed = true;
        } else {
            resets++;
            round = shared ? Arena.ofShared() : Arena.ofConfined();
        }
    }

    /**
     * Invalidates everything allocated and returns every chunk to the pool. Idempotent.
     *
     * @throws WrongThreadException if a confined arena is closed from another thread
     */
    @Override
    public void close() {
        endRound(true);
    }

    /**
     * A snapshot of the arena's figures.
     *
     * @return the statistics
     */
    public RegionArenaStats stats() {
        if (shared) {
            lock.lock();
        }
        try {
            long held = 0;
            for (Buffer b : chunks) {
                held += b.size();
            }
            for (Buffer b : dedicated) {
                held += b.size();
            }
            held += unpooled;
            return new RegionArenaStats(allocated, totalAllocated, chunks.size() + dedicated.size(), held, resets,
                    highWater, wasteAtReset);
        } finally {
            if (shared) {
                lock.unlock();
            }
        }
    }

    private void checkOwner() {
        if (Thread.currentThread() != owner) {
            throw new WrongThreadException("this RegionArena is confined to thread '" + owner.getName()
                    + "'; use RegionArena.shared(pool) to allocate from several threads");
        }
    }

    @Override
    public String toString() {
        return "RegionArena[" + (shared ? "shared" : "confined") + ", " + stats() + "]";
    }

    /** Configuration of a {@link RegionArena}. Not thread-safe. */
    public static final class Builder {
        private final BufferPool pool;
        private boolean shared;
        private boolean zeroing = true;
        private long chunkBytes = 64L << 10;
        private int retainedChunks = 2;

        private Builder(BufferPool pool) {
            this.pool = pool;
        }

        /**
         * Whether several threads may allocate. Default false (confined to the building thread).
         *
         * @param enabled true for a shared arena
         * @return this builder
         */
        public Builder shared(boolean enabled) {
            this.shared = enabled;
            return this;
        }

        /**
         * Whether {@code allocate} zeroes what it returns. Default true.
         *
         * @param enabled false for callers that overwrite every byte they allocate
         * @return this builder
         */
        public Builder zeroing(boolean enabled) {
            this.zeroing = enabled;
            return this;
        }

        /**
         * Size of the chunks leased from the pool; an allocation above half of it gets its own block. Default
         * 64 KiB.
         *
         * @param bytes in [4 KiB, 1 GiB]
         * @return this builder
         */
        public Builder chunkBytes(long bytes) {
            if (bytes < 4096 || bytes > (1L << 30)) {
                throw new IllegalArgumentException("chunkBytes must be in [4 KiB, 1 GiB]: " + bytes);
            }
            this.chunkBytes = bytes;
            return this;
        }

        /**
         * Chunks kept across a reset for the next round. Default 2.
         *
         * @param count zero or more
         * @return this builder
         */
        public Builder retainedChunks(int count) {
            if (count < 0) {
                throw new IllegalArgumentException("retainedChunks must not be negative: " + count);
            }
            this.retainedChunks = count;
            return this;
        }

        /**
         * Builds the arena; a confined one belongs to the calling thread.
         *
         * @return the arena
         */
        public RegionArena build() {
            return new RegionArena(this);
        }
    }
}
