package dev.memkit.buffer;

import dev.memkit.region.Charge;
import dev.memkit.region.NativeRegion;
import dev.memkit.internal.PageRelease;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * One native allocation, cut into {@code capacity} equal blocks of one size class (or, for a request above
 * the largest class, one dedicated block of exactly the requested size); or one run of pages a {@link PageHeap}
 * leased to one request of a big class, which the heap's chunk owns.
 *
 * <p><b>Ownership.</b> The slab owns its {@link #region}; the pool frees it (closes the region) only when every
 * block is idle in the depot, so no lease can point into freed memory through memkit's API. A raw
 * {@code MemorySegment} a caller kept past release fails with {@code IllegalStateException} once the slab is
 * freed, never with a crash, because the segment carries the arena's scope.
 *
 * <p><b>Concurrency.</b> {@code carved}, {@code idle}, {@code idleSinceNanos} and {@code freed} are guarded by
 * the owning {@link ClassDepot}'s lock. {@code memory} and the other finals are safely published by
 * construction. {@code watches} slots are written under the depot lock (see {@link Block}).
 */
final class Slab {
    final BufferPool pool;
    final ClassDepot depot;          // null for a dedicated (huge) allocation
    final long blockSize;
    final int capacity;
    final NativeRegion region;       // owned: closed exactly once, when the slab is freed; null for a run
    final MemorySegment memory;      // a run's: its whole chunk
    /** {@code memory} as one ByteBuffer, sliced for each lease's view (one object a view, not two); null over 2 GiB. */
    final ByteBuffer wholeBuffer;
    final boolean mapped;            // our own anonymous mapping (untouched until used, unmapped at free)
    final PageHeap.Chunk chunk;      // a run's chunk, else null
    final int firstPage;             // a run's first page in its chunk, else 0
    final boolean faulted;           // a run some of whose pages were not resident when it was taken

    int carved;                      // blocks handed out of the slab at least once (guarded by depot lock)
    int idle;                        // blocks sitting in the depot's free stack (guarded by depot lock)
    long idleSinceNanos;             // when idle reached carved (guarded by depot lock)
    boolean freed;                   // arena closed (guarded by depot lock)

    /** Leak watches by block index (null when leaks are not watched); written under the depot lock. */
    private final Block.Watch[] watches;

    Slab(BufferPool pool, ClassDepot depot, long blockSize, int capacity) {
        this.pool = pool;
        this.depot = depot;
        this.blockSize = blockSize;
        this.capacity = capacity;
        // Dedicated slabs map their own memory when they may release pages: nothing is zeroed up front (only
        // touched pages become resident) and freeing unmaps at once, where a C heap would keep the pages. The
        // pool's limit is charged by the caller, so the region charges nothing.
        long bytes = blockSize * capacity;
        NativeRegion mappedRegion = depot == null && pool.pageRelease ? NativeRegion.map(bytes, 0, Charge.NONE) : null;
        this.region = mappedRegion != null ? mappedRegion
                : NativeRegion.allocate(bytes, blockSize >= 4096 ? 4096 : 64, Charge.NONE);
        this.mapped = region.mapped();
        this.memory = region.memory();
        this.wholeBuffer = wholeBuffer(memory);
        this.chunk = null;
        this.firstPage = 0;
        this.faulted = true;
        this.watches = pool.leaks.watching() ? new Block.Watch[capacity] : null;
    }

    /** A run of {@code pages} pages from {@code first} in {@code chunk}, leased from a page heap. */
    Slab(BufferPool pool, ClassDepot depot, PageHeap.Chunk chunk, int first, int pages, boolean faulted) {
        this.pool = pool;
        this.depot = depot;
        this.blockSize = pages * PageRelease.PAGE;
        this.capacity = 1;
        this.region = null;
        this.memory = chunk.memory;
        this.wholeBuffer = chunk.wholeBuffer;
        this.mapped = true;
        this.chunk = chunk;
        this.firstPage = first;
        this.faulted = faulted;
        this.watches = pool.leaks.watching() ? new Block.Watch[1] : null;
    }

    /** Hands out block {@code index} for the first time, or anew after its previous Block leaked. */
    Block block(int index) {
        Block b = new Block(this, firstPage * PageRelease.PAGE + index * blockSize);
        if (watches != null) {
            Block.Watch w = new Block.Watch(b, pool.leaks.queue, index);
            b.watch = w;
            watches[index] = w;
        }
        return b;
    }

    long bytes() {
        return blockSize * capacity;
    }

    boolean fullyIdle() {
        return idle == carved;
    }

    /** Frees the memory. Clears the watches first, while the idle stack still holds every block. */
    void free() {
        freed = true;
        if (watches != null) {
            for (Block.Watch w : watches) {
                if (w != null) {
                    w.clear();
                }
            }
        }
        if (pool.pageRelease) {
            // Drop the pages first: the allocator we free into may keep the region mapped (glibc does once its
            // mmap threshold has risen), and would keep every page a holder touched resident.
            region.closeReleasingPages();
        } else {
            region.close();
        }
    }

    /** {@code memory} as a ByteBuffer, or null when it is too large for one. */
    static ByteBuffer wholeBuffer(MemorySegment memory) {
        return memory.byteSize() <= Integer.MAX_VALUE ? memory.asByteBuffer() : null;
    }

    /** The watch of block {@code index}, or null; for diagnostics (a racy read is fine). */
    Block.Watch watchAt(int index) {
        return watches == null ? null : watches[index];
    }
}
