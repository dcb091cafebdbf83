package dev.memkit.buffer;

import java.util.ArrayList;
import java.util.List;

/**
 * The shared store of one size class: the free blocks no thread cache holds, and the slabs they live in.
 *
 * <p><b>Algorithm.</b> Free blocks sit on a LIFO stack of {@link Block}s, so the most recently used,
 * cache-warm block is handed out first. When the stack is empty, blocks are carved from the newest slab that
 * still has uncarved room (two threads that both found the depot empty may each add a slab: the second waits in
 * a queue and is carved when the first runs out); when there is none, the pool reserves bytes against its limit and
 * adds a slab.
 * A slab whose blocks are all back on the stack is <em>fully idle</em> and may be freed by the scavenger or
 * {@code trim}: its entries are filtered out of the stack and its arena closed.
 *
 * <p><b>Concurrency.</b> Every field and every {@link Slab} counter is guarded by {@code this} (a plain
 * monitor: virtual threads do not pin on it since JDK 24). Thread caches take and return blocks in batches,
 * so this lock is taken once per batch, not per buffer. Lock order: a thread-cache stripe lock may be held when
 * this lock is taken, never the reverse; no two depot locks are ever held together.
 *
 * <p>Leak reclaim puts a leaked block's fresh {@link Block} back through {@link #reclaim}.
 *
 * <p><b>Invariants.</b> For every live slab: {@code 0 <= idle <= carved <= capacity}; the stack holds exactly
 * {@code idle} entries of it; a block is in at most one place (stack, a thread cache, or one lease).
 */
final class ClassDepot {
    final int classIndex;
    final long blockSize;
    final int blocksPerSlab;
    /**
     * Whether this class is served by the pool's {@link PageHeap}, one run of pages per block: then this depot
     * holds no slab and no block; it takes runs from the heap and gives them straight back, and counts.
     */
    final boolean paged;
    private final PageHeap heap;     // non-null exactly when paged

    private Block[] stack = new Block[16];
    private int size;                // guarded by this; read racily by mayLend
    private final List<Slab> slabs = new ArrayList<>();
    private Slab carving;            // the slab blocks are carved from, or null when no slab has uncarved room
    /** Slabs added while another was being carved, in order: carved next, so none is left uncarved. */
    private final java.util.ArrayDeque<Slab> uncarved = new java.util.ArrayDeque<>();

    /** Statistics of operations that bypassed the thread caches (guarded by this). */
    private final ClassCounters counters = new ClassCounters();

    /** Bytes on depot stacks, shared by the pool's depots. */
    private final java.util.concurrent.atomic.AtomicLong poolIdle;

    ClassDepot(int classIndex, long blockSize, int blocksPerSlab, java.util.concurrent.atomic.AtomicLong poolIdle,
               PageHeap heap) {
        this.poolIdle = poolIdle;
        this.heap = heap;
        this.paged = heap != null;
        this.classIndex = classIndex;
        this.blockSize = blockSize;
        this.blocksPerSlab = blocksPerSlab;
    }

    /**
     * Moves up to {@code max} free or uncarved blocks into the arrays (for a paged class: runs of the class's size
     * from the heap, without purging, since the caller holds a stripe lock). Never allocates a slab.
     *
     * @return how many, and whether any was newly carved (never used before) or faulted
     */
    Taken take(Block[] out, int offset, int max) {
        if (heap == null) {
            return takeStacked(out, offset, max);
        }
        int n = 0;
        boolean fresh = false;
        Slab run;
        while (n < max && (run = heap.allocate(this, blockSize, false)) != null) {
            out[offset + n++] = run.block(0);
            fresh |= run.faulted;
        }
        return Taken.of(n, fresh);
    }

    private synchronized Taken takeStacked(Block[] out, int offset, int max) {
        int n = 0;
        while (n < max && size > 0) {
            size--;
            Block b = stack[size];
            stack[size] = null;
            b.slab.idle--;
            out[offset + n] = b;
            n++;
        }
        if (n > 0) {
            poolIdle.addAndGet(-n * blockSize);
        }
        boolean fresh = false;
        while (n < max && carving != null) {
            Slab s = carving;
            fresh = true;
            out[offset + n] = s.block(s.carved++);
            n++;
            if (s.carved == s.capacity) {
                carving = uncarved.pollFirst();
            }
        }
        return Taken.of(n, fresh);
    }

    /**
     * A hint read without the lock (so it may be stale): whether the stack held a free block. Lets a smaller class
     * skip this depot's lock when it looks for a block to borrow.
     */
    boolean mayLend() {
        return size > 0;
    }

    /**
     * Lends one free block of the stack to a smaller class's lease: never carves, so it only hands out pages
     * already touched; the block keeps its class and comes back here on release.
     *
     * @return the block, or null when the stack is empty
     */
    synchronized Block lend() {
        if (size == 0) {
            return null;
        }
        Block b = stack[--size];
        stack[size] = null;
        b.slab.idle--;
        poolIdle.addAndGet(-blockSize);
        return b;
    }

    /**
     * Registers a freshly allocated slab (whose bytes are already reserved) and takes blocks in the same
     * critical section, so the scavenger cannot free the new slab before its first block is carved.
     */
    synchronized Taken addSlabAndTake(Slab slab, Block[] out, int offset, int max) {
        slab.idleSinceNanos = System.nanoTime();
        slabs.add(slab);
        if (carving == null) {
            carving = slab;
        } else {
            uncarved.addLast(slab);   // another thread added one first: carve that, then this one
        }
        return take(out, offset, max);
    }

    /** Returns {@code n} blocks to the stack (a paged class's to the heap, without purging: see {@link #take}). */
    void give(Block[] in, int offset, int n) {
        if (heap == null) {
            giveStacked(in, offset, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            heap.release(unwatch(in[offset + i]), false);
            in[offset + i] = null;
        }
    }

    /**
     * Clears the leak watch of a paged block about to go back to the heap, while the block is still reachable: once
     * returned, nobody holds the block, and a watch still registered would report it as leaked the moment the GC
     * found it unreachable while its run's slab was still referenced (a stack frame suffices).
     *
     * @return the block's run
     */
    private static Slab unwatch(Block block) {
        Block.Watch w = block.watch;
        if (w != null) {
            w.clear();
        }
        java.lang.ref.Reference.reachabilityFence(block);
        return block.slab;
    }

    private synchronized void giveStacked(Block[] in, int offset, int n) {
        ensureCapacity(size + n);
        long now = 0;
        for (int i = 0; i < n; i++) {
            Block b = in[offset + i];
            stack[size++] = b;
            Slab s = b.slab;
            if (++s.idle == s.carved) {
                if (now == 0) {
                    now = System.nanoTime();
                }
                s.idleSinceNanos = now;
            }
            in[offset + i] = null;
        }
        poolIdle.addAndGet(n * blockSize);
    }

    /** Returns one block to the top of the stack (a paged class's to the heap). */
    void give(Block block) {
        if (heap != null) {
            heap.release(unwatch(block), true);
        } else {
            giveStacked(block);
        }
    }

    private synchronized void giveStacked(Block block) {
        ensureCapacity(size + 1);
        stack[size++] = block;
        Slab slab = block.slab;
        if (++slab.idle == slab.carved) {
            slab.idleSinceNanos = System.nanoTime();
        }
        poolIdle.addAndGet(blockSize);
    }

    private void ensureCapacity(int needed) {
        if (needed > stack.length) {
            stack = java.util.Arrays.copyOf(stack, Math.max(needed, stack.length * 2));
        }
    }

    /** A fully idle slab and when it became idle, read under the lock (the slab's field keeps changing). */
    record IdleSlab(Slab slab, long idleSinceNanos) {}

    /** Adds every fully idle slab idle for at least {@code minIdleNanos} to {@code out}. */
    synchronized void collectIdle(long nowNanos, long minIdleNanos, List<IdleSlab> out) {
        for (Slab s : slabs) {
            if (s.fullyIdle() && nowNanos - s.idleSinceNanos >= minIdleNanos) {
                out.add(new IdleSlab(s, s.idleSinceNanos));
            }
        }
    }

    /**
     * Frees a slab if it is still fully idle: drops its entries from the stack and closes its arena.
     *
     * @return the bytes freed, or 0 if a block of it was taken meanwhile
     */
    synchronized long freeIfIdle(Slab slab) {
        if (slab.freed || !slab.fullyIdle()) {
            return 0;
        }
        slab.free(); // first: its watches are cleared while the stack still holds its blocks
        int w = 0;
        for (int r = 0; r < size; r++) {
            if (stack[r].slab != slab) {
                stack[w++] = stack[r];
            }
        }
        for (int i = w; i < size; i++) {
            stack[i] = null;
        }
        poolIdle.addAndGet(-(size - w) * blockSize);
        size = w;
        slabs.remove(slab);
        uncarved.remove(slab);
        if (carving == slab) {
            carving = uncarved.pollFirst();
        }
        return slab.bytes();
    }

    /**
     * Returns a leaked block's slot under a fresh Block (the leaked one is unreachable for good); a paged class's
     * run goes back to the heap.
     */
    void reclaim(Block.Watch leaked) {
        if (heap != null) {
            heap.release(leaked.slab, true);
        } else {
            giveStacked(leaked.slab.block(leaked.index));
        }
    }

    synchronized void countAcquire(long requested, boolean fresh) {
        counters.countAcquire(requested, fresh);
    }

    synchronized void countRelease(long requested, boolean crossThread) {
        counters.countRelease(requested, crossThread);
    }

    /** Snapshot of idle bytes, reserved bytes and slab count, in that order. */
    long[] usage() {
        if (heap != null) { // page runs: reserved is the pages they hold; their idle pages are the heap's
            long[] runs = heap.classUsage(classIndex);
            return new long[] {0, runs[0], runs[1]};
        }
        return stackedUsage();
    }

    private synchronized long[] stackedUsage() {
        long reserved = 0;
        for (Slab s : slabs) {
            reserved += s.bytes();
        }
        long idleBytes = (long) size * blockSize;
        for (Slab s : slabs) {
            idleBytes += (long) (s.capacity - s.carved) * blockSize;
        }
        return new long[] {idleBytes, reserved, slabs.size()};
    }

    synchronized List<Slab> slabsSnapshot() {
        return List.copyOf(slabs);
    }

    /** Adds the depot's counters into {@code sums} (see {@link ClassCounters#addTo}). */
    synchronized void addCountersTo(long[] sums) {
        counters.addTo(sums);
    }
}
