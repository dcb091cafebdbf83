package dev.memkit.buffer;

import dev.memkit.ByteSize;
import dev.memkit.budget.MemoryBudget;
import dev.memkit.internal.MemkitEvents;
import dev.memkit.internal.PageRelease;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A pool of native (off-heap) buffers in size classes, with per-thread caching, a byte limit with backpressure,
 * leak detection, and return of idle memory to the operating system.
 *
 * <pre>{@code
 * try (BufferPool pool = BufferPool.builder().limitBytes(1L << 30).build();
 *      Buffer b = pool.acquire(100_000)) {
 *     b.putLong(0, 42);
 * }
 * }</pre>
 *
 * <h2>Design</h2>
 * Memory comes from {@code Arena.ofShared()} in slabs (up to {@code slabBytes}, 2 MiB by default), each cut
 * into equal blocks of one class, so one native allocation serves many buffers. A request is rounded up to
 * its class ({@link SizeClasses}); a request above the largest class gets a dedicated allocation freed at
 * release. With {@link BufferPoolBuilder#pageRelease(boolean) page release} (on by default, effective when memkit
 * has native access on Linux), big classes' slabs are mapped directly and their idle pages go back to the OS. An acquire first pops from the caller's thread-cache stripe ({@link Stripe}), then refills the
 * stripe from the class's {@link ClassDepot} in a batch, then carves a new slab if the limit allows, and
 * finally reclaims (flushes caches, frees idle slabs, polls leaks) and waits for a release.
 *
 * <h2>Ownership and thread-safety</h2>
 * The pool owns all native memory; a lease owns its block until released. Every method is thread-safe.
 * {@link #close()} frees every idle slab at once; slabs with leased blocks are freed as their leases come back.
 * A pool that is never closed keeps its memory until the JVM exits. Each pool with a non-zero idle timeout runs
 * one daemon thread ("memkit-scavenger-NAME") that returns idle memory; {@code close()} stops it.
 *
 * <h2>Limits</h2>
 * Native bytes held (slabs plus dedicated allocations) never exceed {@link #limitBytes()}. At the limit,
 * {@link #acquire(long)} waits up to the acquire timeout and then throws {@link PoolExhaustedException};
 * {@link #tryAcquire(long)} returns empty at once. Neither throws {@code OutOfMemoryError}.
 */
public final class BufferPool implements AutoCloseable {
    private static final VarHandle CLOSED;
    private static final System.Logger LOG = System.getLogger(BufferPool.class.getName());

    static {
        try {
            CLOSED = MethodHandles.lookup().findVarHandle(BufferPool.class, "closed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    private final SizeClasses classes;
    private final long acquireTimeoutNanos;
    private final long stripeBytes;
    private final boolean scrubOnRelease;
    private final long retainedBytes;
    private final ClassDepot[] depots;
    private final int[] cacheLimit;          // per class: blocks a stripe may hold (0 = not cached)
    private final Stripe[] stripes;
    private final int stripeMask;
    private final int leakSamplingRate;
    final Leaks leaks;
    private final Scavenger scavenger;       // null when idle memory is only returned by trim()

    private final PoolLimit limit;
    final IdleMemory idle;
    final boolean pageRelease;               // big blocks give pages back (PageRelease is available and not turned off)
    final BigBlockPages bigPages;
    final HugeAllocations huge;


    @SuppressWarnings("FieldMayBeFinal") // written through CLOSED
    private boolean closed;

    BufferPool(BufferPoolBuilder b) {
        this.name = b.name;
        this.classes = b.sizeClasses;
        this.limit = new PoolLimit(b.limitBytes, b.budget);
        this.huge = new HugeAllocations(limit);
        AtomicLong depotIdle = new AtomicLong();
        AtomicLong residentIdle = new AtomicLong(); // the purgeable classes' idle counter (see BigBlockPages)
        this.acquireTimeoutNanos = b.acquireTimeout.toNanos();
        this.stripeBytes = b.threadCacheBytes;
        this.scrubOnRelease = b.scrubOnRelease;
        this.retainedBytes = b.retainedBytes;
        int n = classes.count();
        this.depots = new ClassDepot[n];
        this.cacheLimit = new int[n];
        this.pageRelease = b.pageRelease && PageRelease.available(); // binds madvise now, not in an acquire
        for (int c = 0; c < n; c++) {
            long size = classes.size(c);
            long target = Math.clamp(size * 64, 64L << 10, Math.max(b.slabBytes, size));
            int perSlab = Math.clamp(target / size, 1, Integer.MAX_VALUE);
            long share = stripeBytes / 4;
            cacheLimit[c] = size > share ? 0 : (int) Math.min(64, Math.max(1, share / size));
            boolean purgeable = pageRelease && cacheLimit[c] == 0 && size >= BigBlockPages.PURGEABLE_BLOCK_BYTES;
            depots[c] = new ClassDepot(c, size, perSlab, purgeable ? residentIdle : depotIdle, purgeable);
        }
        int count = stripeBytes == 0 ? 1 : Integer.highestOneBit(Math.max(1, b.stripes) * 2 - 1);
        this.stripes = new Stripe[count];
        for (int i = 0; i < count; i++) {
            stripes[i] = new Stripe(n);
        }
        this.stripeMask = count - 1;
        this.idle = new IdleMemory(depots, stripes, limit, depotIdle, Math.max(b.maxIdleBytes, b.retainedBytes));
        this.bigPages = new BigBlockPages(depots, residentIdle, depotIdle, retainedBytes);
        this.leakSamplingRate = b.leakSamplingRate;
        for (Stripe st : stripes) {
            st.sampleCountdown = 1 + (int) (Math.random() * b.leakSamplingRate);
        }
        this.leaks = new Leaks(this, b.leakDetection, b.leakListener);
        this.scavenger = b.idleTimeout.isZero() ? null
                : new Scavenger(this, b.retainedBytes, b.idleTimeout.toNanos(), b.trimNativeHeap);
    }

    /**
     * A builder with the defaults described on each of its methods.
     *
     * @return a new builder
     */
    public static BufferPoolBuilder builder() {
        return new BufferPoolBuilder();
    }

    /**
     * The pool's name, used in messages, thread names and metrics.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * The size classes this pool serves.
     *
     * @return the classes
     */
    public SizeClasses sizeClasses() {
        return classes;
    }

    /**
     * The most native memory this pool may hold.
     *
     * @return the limit in bytes
     */
    public long limitBytes() {
        return limit.limit;
    }

    /**
     * Acquires a buffer of exactly {@code size} bytes, waiting up to the pool's acquire timeout if the pool is at
     * its limit.
     *
     * @param size bytes, at least 1
     * @return a lease to release with {@link Buffer#close()}
     * @throws IllegalArgumentException if {@code size} is not positive
     * @throws IllegalStateException if the pool is closed
     * @throws PoolExhaustedException if the limit is still reached after the timeout, the request can never fit,
     *         the thread is interrupted while waiting (its interrupt flag is kept), or the OS refuses memory
     */
    public Buffer acquire(long size) {
        return acquire(size, acquireTimeoutNanos, true);
    }

    /**
     * Acquires a buffer, waiting at most {@code timeout} if the pool is at its limit.
     *
     * @param size bytes, at least 1
     * @param timeout the longest wait; zero does not wait
     * @return a lease to release with {@link Buffer#close()}
     * @throws IllegalArgumentException if {@code size} is not positive or the timeout is negative
     * @throws IllegalStateException if the pool is closed
     * @throws PoolExhaustedException as for {@link #acquire(long)}
     */
    public Buffer acquire(long size, Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative: " + timeout);
        }
        return acquire(size, timeout.toNanos(), true);
    }

    /**
     * Acquires a buffer if the pool can serve it without waiting.
     *
     * @param size bytes, at least 1
     * @return the lease, or empty when the pool is at its limit
     * @throws IllegalArgumentException if {@code size} is not positive
     * @throws IllegalStateException if the pool is closed
     */
    public Optional<Buffer> tryAcquire(long size) {
        return Optional.ofNullable(acquire(size, 0, false));
    }

    private Buffer acquire(long size, long timeoutNanos, boolean orThrow) {
        if (size <= 0 || size > Buffer.MAX_SIZE) {
            throw new IllegalArgumentException("buffer size must be in [1 B, 16 GiB), got " + size
                    + (size > 0 ? ": allocate larger regions outside a buffer pool" : ""));
        }
        checkOpen();
        int c = classes.indexFor(size);
        long needed = c < 0 ? size : classes.size(c);
        if (needed > limit.limit) {
            if (!orThrow) {
                return null;
            }
            throw exhausted(size, "the request can never fit: it needs " + ByteSize.format(needed)
                    + " and the limit is " + ByteSize.format(limit.limit), null);
        }
        long mixed = mix(Thread.currentThread());
        int tag = threadTag(mixed);
        if (c < 0) {
            return acquireHuge(size, tag, timeoutNanos, orThrow);
        }
        if (cacheLimit[c] > 0) {
            Stripe s = lockStripe(homeStripe(mixed));
            if (s != null) {
                Block block = null;
                boolean sampled = false;
                try {
                    int n = s.count[c];
                    boolean miss = false;
                    if (n == 0) {
                        int taken = refill(s, c);
                        n = taken & 0xFFFF;
                        miss = (taken & FRESH) != 0;
                    }
                    if (n > 0) {
                        n--;
                        Block[] stack = s.blocks[c];
                        block = stack[n];
                        stack[n] = null; // the lease must be the block's only holder (see Block)
                        s.count[c] = n;
                        s.cachedBytes -= needed;
                        s.operations++;
                        long[] stats = s.stats;
                        int row = c * Stripe.STATS;
                        stats[row + Stripe.ACQUIRES]++;
                        stats[row + Stripe.REQUESTED_ACQUIRED] += size;
                        if (miss) {
                            stats[row + Stripe.MISSES]++;
                        }
                        if (--s.sampleCountdown <= 0) {
                            s.sampleCountdown = leakSamplingRate;
                            sampled = true;
                        }
                    }
                } finally {
                    s.unlock();
                }
                if (block != null) {
                    return lease(block, size, tag, sampled);
                }
            }
        }
        return acquireFromDepot(c, size, tag, timeoutNanos, orThrow);
    }

    static final int FRESH = 0x10000;

    /** Refills an empty stripe stack from the depot (growing by a slab if the limit allows). Holds the stripe. */
    private int refill(Stripe s, int c) {
        int batch = Math.max(1, cacheLimit[c] / 2);
        s.ensureArrays(c, cacheLimit[c]);
        ClassDepot d = depots[c];
        leaks.poll();
        int taken = d.take(s.blocks[c], 0, batch);
        if ((taken & 0xFFFF) == 0) {
            Slab slab = newSlab(d);
            if (slab == null) {
                return 0;
            }
            taken = d.addSlabAndTake(slab, s.blocks[c], 0, batch);
        }
        s.count[c] = taken & 0xFFFF;
        s.cachedBytes += (taken & 0xFFFF) * d.blockSize;
        return taken;
    }

    private Buffer acquireFromDepot(int c, long size, int tag, long timeoutNanos, boolean orThrow) {
        ClassDepot d = depots[c];
        long deadline = System.nanoTime() + timeoutNanos;
        Block[] block = new Block[1];
        leaks.poll();
        for (boolean reclaimed = false; ; ) {
            if (d.purgeable && (block[0] = bigPages.take(c)) != null) {
                block[0].slab.depot.countAcquire(size, false);
                bigPages.onAcquire(block[0], size, false);
                return lease(block[0], size, tag, randomSample());
            }
            int taken = d.take(block, 0, 1);
            if ((taken & 0xFFFF) == 0) {
                Slab fresh = newSlab(d);
                if (fresh != null) {
                    taken = d.addSlabAndTake(fresh, block, 0, 1);
                }
            }
            if ((taken & 0xFFFF) == 1) {
                d.countAcquire(size, (taken & FRESH) != 0);
                if (d.purgeable) {
                    bigPages.onAcquire(block[0], size, (taken & FRESH) != 0);
                }
                return lease(block[0], size, tag, randomSample());
            }
            if (!reclaimed) {
                reclaimAll();
                reclaimed = true;
                continue;
            }
            if (!awaitSpace(size, deadline, timeoutNanos, orThrow)) {
                return null;
            }
            reclaimed = false;
        }
    }

    private Buffer acquireHuge(long size, int tag, long timeoutNanos, boolean orThrow) {
        long deadline = System.nanoTime() + timeoutNanos;
        long bytes = (size + SizeClasses.QUANTUM - 1) & -SizeClasses.QUANTUM;
        for (boolean reclaimed = false; ; ) {
            if (limit.tryReserve(bytes)) {
                Slab slab = allocateSlab(null, bytes, 1, size);
                huge.added(slab, size);
                MemkitEvents.hugeAllocation(name, size);
                return lease(slab.block(0), size, tag, randomSample());
            }
            if (!reclaimed) {
                reclaimAll();
                reclaimed = true;
                continue;
            }
            if (!awaitSpace(size, deadline, timeoutNanos, orThrow)) {
                return null;
            }
            reclaimed = false;
        }
    }

    private Buffer lease(Block block, long size, int threadTag, boolean sampled) {
        if (block.watch != null) {
            leaks.onAcquire(block.watch, size, sampled);
        }
        return new Buffer(block, size, threadTag);
    }

    /** Sampling off the stripe path (depot and huge acquires are slow paths anyway). */
    private boolean randomSample() {
        return java.util.concurrent.ThreadLocalRandom.current().nextInt(leakSamplingRate) == 0;
    }

    /** Reserves a slab's bytes and allocates it, or returns null at the limit. */
    private Slab newSlab(ClassDepot d) {
        if (limit.tryReserve(d.blockSize * d.blocksPerSlab)) {
            return allocateSlab(d, d.blockSize, d.blocksPerSlab, d.blockSize);
        }
        // Near the limit a whole slab may not fit where one block still does: use the limit to the byte.
        if (d.blocksPerSlab > 1 && limit.tryReserve(d.blockSize)) {
            return allocateSlab(d, d.blockSize, 1, d.blockSize);
        }
        return null;
    }

    private Slab allocateSlab(ClassDepot d, long blockSize, int count, long requested) {
        try {
            Slab slab = new Slab(this, d, blockSize, count);
            if (scavenger != null) {
                scavenger.startIfNeeded();
            }
            return slab;
        } catch (OutOfMemoryError | RuntimeException e) {
            limit.unreserve(blockSize * count);
            throw new PoolExhaustedException("BufferPool '" + name + "': the operating system refused "
                    + ByteSize.format(blockSize * count) + " of native memory for a request of "
                    + ByteSize.format(requested) + " (pool holds " + ByteSize.format(limit.reserved.get()) + ")",
                    requested, limit.limit, limit.reserved.get(), e);
        }
    }

    /** Everything the pool can do without waiting to make room: leaks, thread caches, idle slabs. */
    private void reclaimAll() {
        leaks.poll();
        idle.flushStripes(false);
        idle.freeIdle(0, 0);
    }

    /** Waits for a release or a free; false (or an exception) when the deadline passed. */
    private boolean awaitSpace(long requested, long deadline, long timeoutNanos, boolean orThrow) {
        MemkitEvents.PoolWait event = MemkitEvents.beginWait();
        PoolLimit.Wait w = limit.await(deadline);
        MemkitEvents.endWait(event, name, "buffer", w == PoolLimit.Wait.RETRY);
        if (w == PoolLimit.Wait.RETRY) {
            checkOpen();
            return true;
        }
        if (!orThrow) {
            return false;
        }
        throw exhausted(requested, w == PoolLimit.Wait.INTERRUPTED ? "interrupted while waiting"
                : "nothing was released within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms", null);
    }

    private PoolExhaustedException exhausted(long requested, String why, Throwable cause) {
        long held = limit.reserved.get();
        MemkitEvents.poolExhausted(name, "buffer", requested, limit.limit, held);
        MemoryBudget budget = limit.budget;
        BufferPoolStats st = stats();
        return new PoolExhaustedException("BufferPool '" + name + "' is at its limit of "
                + ByteSize.format(limit.limit) + ": cannot serve a request of " + ByteSize.format(requested)
                + " (" + why + "); holds " + ByteSize.format(held) + ", of which "
                + ByteSize.format(st.leasedBytes()) + " leased in " + st.leasedCount() + " buffers and "
                + ByteSize.format(st.idleBytes()) + " idle"
                + (budget == null ? "" : "; budget '" + budget.path() + "' has " + ByteSize.format(budget.used())
                        + " of " + ByteSize.format(budget.limit()) + " in use"
                        + (budget.breakerOpen() ? " and its circuit breaker is open" : "")),
                requested, limit.limit, held, cause);
    }

    /** Called by {@link Buffer#close()} after it won the release CAS. */
    void release(Block block, long size, int acquirerTag) {
        Slab slab = block.slab;
        if (scrubOnRelease) {
            slab.memory.asSlice(block.offset, size).fill((byte) 0);
        }
        if (block.watch != null) {
            leaks.onRelease(block.watch);
        }
        long mixed = mix(Thread.currentThread());
        boolean cross = acquirerTag != threadTag(mixed);
        ClassDepot d = slab.depot;
        if (d == null) {
            huge.released(slab, size, cross);
            return;
        }
        int c = d.classIndex;
        if (cacheLimit[c] > 0 && !isClosed()) {
            Stripe s = lockStripe(homeStripe(mixed));
            if (s != null) {
                boolean overflowed = false;
                try {
                    s.ensureArrays(c, cacheLimit[c]);
                    if (s.count[c] == cacheLimit[c]) {
                        int half = Math.max(1, s.count[c] / 2);
                        int keep = s.count[c] - half;
                        d.give(s.blocks[c], keep, half);
                        s.count[c] = keep;
                        s.cachedBytes -= half * d.blockSize;
                        overflowed = true;
                    }
                    if (s.cachedBytes + d.blockSize > stripeBytes) {
                        s.flushAll(depots);
                        overflowed = true;
                    }
                    int n = s.count[c];
                    s.blocks[c][n] = block;
                    s.count[c] = n + 1;
                    s.cachedBytes += d.blockSize;
                    s.operations++;
                    long[] stats = s.stats;
                    int row = c * Stripe.STATS;
                    stats[row + Stripe.RELEASES]++;
                    stats[row + Stripe.REQUESTED_RELEASED] += size;
                    if (cross) {
                        stats[row + Stripe.CROSS_THREAD_RELEASES]++;
                    }
                } finally {
                    s.unlock();
                }
                limit.signalSpace();
                if (overflowed) {
                    idle.enforceIdleCap();
                }
                return;
            }
        }
        if (d.purgeable) {
            bigPages.onRelease(block, size);
        }
        d.give(block);
        d.countRelease(size, cross);
        limit.signalSpace();
        if (isClosed()) {
            idle.freeIdle(0, 0);
        } else {
            idle.enforceIdleCap();
        }
    }

    /** Mixes a thread id; the stripe index comes from its middle bits, the lease's thread tag from its top 6. */
    private static long mix(Thread thread) {
        return thread.threadId() * 0x9E3779B97F4A7C15L;
    }

    /** The stripe a thread tries first. */
    private int homeStripe(long mixed) {
        return (int) (mixed >>> 40) & stripeMask;
    }

    /**
     * The thread tag recorded in a lease; a release under another tag counts as cross-thread (two threads with
     * equal tags, 1 pair in 512, are not told apart).
     */
    private static int threadTag(long mixed) {
        return (int) (mixed >>> (64 - Buffer.TAG_BITS));
    }

    private Stripe lockStripe(int home) {
        Stripe s = stripes[home];
        if (s.tryLock()) {
            return s;
        }
        s = stripes[(home + 1) & stripeMask];
        return s.tryLock() ? s : null;
    }

    /** PARANOID mode scopes views to the lease; other modes hand out the slab-scoped view. */
    MemorySegment guardView(MemorySegment view, Block block) {
        return block.watch == null ? view : leaks.guard(view, block.watch);
    }

    /**
     * Returns idle memory above the configured retained amount to the operating system now, without waiting
     * for the idle timeout. Thread caches are emptied first.
     *
     * @return the native bytes freed
     */
    public long trim() {
        return trim(retainedBytes);
    }

    /**
     * Returns idle memory above {@code retainBytes} to the operating system now.
     *
     * @param retainBytes idle bytes to keep for reuse; 0 frees every fully idle slab
     * @return the native bytes freed
     * @throws IllegalArgumentException if {@code retainBytes} is negative
     */
    public long trim(long retainBytes) {
        if (retainBytes < 0) {
            throw new IllegalArgumentException("retainBytes must not be negative: " + retainBytes);
        }
        leaks.poll();
        idle.flushStripes(false);
        bigPages.decay(true);
        long freed = idle.freeIdle(retainBytes, 0);
        if (freed > 0 && scavenger != null) {
            scavenger.trimNativeHeap();
        }
        return freed;
    }

    /**
     * A snapshot of the pool's figures.
     *
     * @return the statistics
     */
    public BufferPoolStats stats() {
        return PoolStatsCollector.collect(this, name, limit.limit, limit.reserved.get(), limit.highWater.get(), depots,
                stripes,
                huge.counters());
    }

    /**
     * Throws if any lease is outstanding, listing the allocation site of each tracked one. Meant for the end of
     * a test (memkit's own tests call it after every test; under {@link LeakDetection#PARANOID} the message lists
     * where each outstanding lease was acquired).
     *
     * @throws IllegalStateException naming the outstanding leases
     */
    public void checkNoLeases() {
        leaks.poll();
        BufferPoolStats st = stats();
        if (st.leasedCount() != 0) {
            throw new IllegalStateException(leaks.describeOutstanding(st, depots));
        }
    }

    /**
     * Stops acquisitions and frees all idle memory. Leases still out stay valid and are freed when released.
     * Idempotent.
     */
    @Override
    public void close() {
        if (!CLOSED.compareAndSet(this, false, true)) {
            return;
        }
        if (scavenger != null) {
            scavenger.stop();
        }
        leaks.poll();
        idle.flushStripes(false);
        idle.freeIdle(0, 0);
        limit.signalSpace();
    }

    /** For tests: the background thread's name, or "" when it has not started. */
    String scavengerThreadName() {
        return scavenger == null ? "" : scavenger.threadName();
    }

    boolean isClosed() {
        return (boolean) CLOSED.getOpaque(this);
    }

    private void checkOpen() {
        if (isClosed()) {
            throw new IllegalStateException("BufferPool '" + name + "' is closed");
        }
    }

    @Override
    public String toString() {
        return "BufferPool[" + name + ", " + classes + ", limit " + ByteSize.format(limit.limit) + "]";
    }

    static void log(System.Logger.Level level, String message, Throwable t) {
        LOG.log(level, message, t);
    }
}
