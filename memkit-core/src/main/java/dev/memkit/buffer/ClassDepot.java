package dev.memkit.buffer;

import java.util.ArrayList;
import java.util.List;

/**
 * The shared store of one size class: the free blocks no thread cache holds, and the slabs they live in.
 *
 * <p><b>Algorithm.</b> Free blocks sit on a LIFO stack of {@link Block}s, so the most recently used,
 * cache-warm block is handed out first. When the stack is empty, blocks are carved from the newest slab that
 * still has uncarved room; when there is none, the pool reserves bytes against its limit and adds a slab.
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
     * Whether idle blocks of this class give their pages back ({@link PageRelease}); then this depot's idle
     * counter is {@link BigBlockPages#residentIdle}, and each idle block adds its resident bytes
     * ({@link Block#dirty}) instead of its size, so the counter measures memory that costs RSS.
     */
    final boolean purgeable;

    private Block[] stack = new Block[16];
    private int size;
    private final List<Slab> slabs = new ArrayList<>();
    private Slab carving;            // newest slab with uncarved blocks, or null

    /** Statistics of operations that bypassed the thread caches (guarded by this). */
    private final ClassCounters counters = new ClassCounters();

    /** Bytes on depot stacks, shared by the pool's depots of the same kind (purgeable or not). */
    private final java.util.concurrent.atomic.AtomicLong poolIdle;

    ClassDepot(int classIndex, long blockSize, int blocksPerSlab, java.util.concurrent.atomic.AtomicLong poolIdle,
               boolean purgeable) {
        this.poolIdle = poolIdle;
        this.purgeable = purgeable;
        this.classIndex = classIndex;
        this.blockSize = blockSize;
        this.blocksPerSlab = blocksPerSlab;
    }

    /**
     * Moves up to {@code max} free or uncarved blocks into the arrays. Never allocates a slab.
     *
     * @return how many, plus {@link BufferPool#FRESH} if any was newly carved (never used before)
     */
    synchronized int take(Block[] out, int offset, int max) {
        int n = 0;
        long weight = 0;
        while (n < max && size > 0) {
            size--;
            Block b = stack[size];
            stack[size] = null;
            b.slab.idle--;
            weight += idleWeight(b);
            out[offset + n] = b;
            n++;
        }
        if (weight > 0) {
            poolIdle.addAndGet(-weight);
        }
        int fresh = 0;
        while (n < max && carving != null) {
            Slab s = carving;
            fresh = BufferPool.FRESH;
            out[offset + n] = s.block(s.carved++);
            n++;
            if (s.carved == s.capacity) {
                carving = null;
            }
        }
        return n | fresh;
    }

    /** How many entries from the top {@link #takeIdle} searches for a resident block. */
    static final int RESIDENT_SCAN = 8;

    /**
     * Pops one free block without carving, or returns null: with {@code residentOnly}, the most recent block whose
     * pages are still resident ({@link Block#dirty} above 0) among the top {@link #RESIDENT_SCAN} (a bounded scan,
     * so a long stack costs no more; purged blocks go to the bottom, so it seldom misses), so reuse costs no page
     * faults; otherwise the top.
     */
    synchronized Block takeIdle(boolean residentOnly) {
        int i = size - 1;
        if (residentOnly) {
            int lowest = Math.max(0, size - RESIDENT_SCAN);
            while (i >= lowest && stack[i].dirty == 0) {
                i--;
            }
            if (i < lowest) {
                return null;
            }
        }
        if (i < 0) {
            return null;
        }
        Block b = stack[i];
        System.arraycopy(stack, i + 1, stack, i, size - 1 - i);
        stack[--size] = null;
        b.slab.idle--;
        poolIdle.addAndGet(-idleWeight(b));
        return b;
    }

    /**
     * Registers a freshly allocated slab (whose bytes are already reserved) and takes blocks in the same
     * critical section, so the scavenger cannot free the new slab before its first block is carved.
     */
    synchronized int addSlabAndTake(Slab slab, Block[] out, int offset, int max) {
        slab.idleSinceNanos = System.nanoTime();
        slabs.add(slab);
        if (carving == null) {
            carving = slab;
        }
        // Another thread may have added one first: keep carving the older one; the new one waits its turn.
        return take(out, offset, max);
    }

    /** Returns {@code n} blocks to the stack. */
    synchronized void give(Block[] in, int offset, int n) {
        ensureCapacity(size + n);
        long now = 0;
        long weight = 0;
        for (int i = 0; i < n; i++) {
            Block b = in[offset + i];
            stack[size++] = b;
            weight += idleWeight(b);
            Slab s = b.slab;
            if (++s.idle == s.carved) {
                if (now == 0) {
                    now = System.nanoTime();
                }
                s.idleSinceNanos = now;
            }
            in[offset + i] = null;
        }
        poolIdle.addAndGet(weight);
    }

    /**
     * Returns one block to the stack: on top, or at the bottom if it is purgeable with no resident page, so the
     * resident blocks stay where {@link #takeIdle} looks first.
     */
    synchronized void give(Block block) {
        ensureCapacity(size + 1);
        if (purgeable && block.dirty == 0 && size > 0) {
            System.arraycopy(stack, 0, stack, 1, size);
            stack[0] = block;
            size++;
        } else {
            stack[size++] = block;
        }
        Slab slab = block.slab;
        if (++slab.idle == slab.carved) {
            slab.idleSinceNanos = System.nanoTime();
        }
        poolIdle.addAndGet(idleWeight(block));
    }

    /** What an idle block adds to the pool's idle counter: its resident bytes if purgeable, else its size. */
    private long idleWeight(Block b) {
        return purgeable ? b.dirty : blockSize;
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
        long weight = 0;
        for (int r = 0; r < size; r++) {
            if (stack[r].slab != slab) {
                stack[w++] = stack[r];
            } else {
                weight += idleWeight(stack[r]);
            }
        }
        for (int i = w; i < size; i++) {
            stack[i] = null;
        }
        poolIdle.addAndGet(-weight);
        size = w;
        slabs.remove(slab);
        if (carving == slab) {
            carving = null;
            for (Slab s : slabs) {
                if (s.carved < s.capacity) {
                    carving = s;
                    break;
                }
            }
        }
        return slab.bytes();
    }

    /** Returns a leaked block's slot under a fresh Block (the leaked one is unreachable for good). */
    synchronized void reclaim(Block.Watch leaked) {
        Block fresh = leaked.slab.block(leaked.index);
        fresh.dirty = purgeable ? blockSize : 0; // the leaked holder may have touched all of it
        give(fresh);
    }

    synchronized void countAcquire(long requested, boolean fresh) {
        counters.countAcquire(requested, fresh);
    }

    synchronized void countRelease(long requested, boolean crossThread) {
        counters.countRelease(requested, crossThread);
    }

    /** Snapshot of idle bytes, reserved bytes and slab count, in that order. */
    synchronized long[] usage() {
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
