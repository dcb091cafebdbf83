package dev.memkit.buffer;

import dev.memkit.leak.LeakDetection;
import dev.memkit.ByteSize;
import dev.memkit.internal.BufferAccess;
import dev.memkit.internal.Durations;
import dev.memkit.internal.MemkitEvents;
import dev.memkit.internal.PageRelease;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Optional;
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
 * has native access on Linux), the classes from 64 KiB up are served instead by runs of whole pages from large
 * mappings: an uncached class's run is exactly the request's pages, a freed run's pages serve the next request of
 * any size, and idle pages go back to the OS above a headroom over the recent peak demand
 * ({@link BufferPoolBuilder#idleHeadroom(double)}). An acquire first pops from the caller's thread-cache stripe,
 * then refills the stripe from the class's depot (or page runs) in a batch, then borrows an idle block of a
 * bigger class (at most twice the request) from its depot, then carves a new slab if the limit allows, and finally
 * reclaims (flushes caches, frees idle slabs and pages, polls leaks) and waits for a release. A stripe keeps what
 * its threads cycle through: every few thousand operations it gives back half of each class's blocks that stayed
 * unused since the last pass, and at its byte bound the older half of every class.
 *
 * <h2>Ownership and thread-safety</h2>
 * The pool owns all native memory; a lease owns its block until released. Every method is thread-safe.
 * {@link #close()} frees every idle slab at once; slabs with leased blocks are freed as their leases come back.
 * A pool that is never closed keeps its memory until the JVM exits. Each pool with a non-zero idle timeout runs
 * one daemon thread ("memkit-scavenger-NAME") that returns idle memory; {@code close()} stops it.
 *
 * <h2>Limits</h2>
 * Native bytes held (slabs, dedicated allocations, and the pages of page runs taken or still resident; the
 * mappings' untouched pages hold no memory and do not count) never exceed {@link #limitBytes()}. At the limit,
 * {@link #acquire(long)} waits up to the acquire timeout and then throws {@link PoolExhaustedException};
 * {@link #tryAcquire(long)} returns empty at once. Neither throws {@code OutOfMemoryError}. Leases dropped
 * without {@code close()} come back only once the GC finds them unreachable, and a service whose data lives
 * off-heap may go minutes without a GC; so, as the JDK does before it throws when direct memory runs out, an
 * acquire whose timeout ran out asks for one ({@code System.gc()}, at most once a second per pool, only when leaks
 * are watched; a no-op under {@code -XX:+DisableExplicitGC}), waits up to 100 ms more for the leaks it finds, and
 * is served if they freed enough. {@code tryAcquire} never does.
 *
 * @since 0.1
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
        BufferAccess.register(new BufferAccess() {
            @Override
            public MemorySegment unwatchedSegment(Object lease) {
                return ((Buffer) lease).unwatchedSegment();
            }

            @Override
            public void charge(Object pool, long bytes) {
                ((BufferPool) pool).charge(bytes);
            }

            @Override
            public void uncharge(Object pool, long bytes) {
                ((BufferPool) pool).limit.unreserve(bytes);
            }
        });
    }

    private final String name;
    private final SizeClasses classes;
    private final long acquireTimeoutNanos;
    private final long stripeBytes;
    private final boolean scrubOnRelease;
    private final long retainedBytes;
    private final ClassDepot[] depots;
    private final int[] cacheLimit;          // per class: blocks a stripe may hold (0 = not cached)
    private final Lenders lenders;
    private final Stripes stripes;
    private final int leakSamplingRate;
    final Leaks leaks;
    final Block releasedBlock = new Block(this); // what released leases point to (see Block)
    private final boolean paranoid;          // releases must end the lease's guard (LeakDetection.PARANOID)
    private final Scavenger scavenger;       // null when idle memory is only returned by trim()
    private final SlabSupply supply;

    final PoolLimit limit;
    final IdleMemory idle;
    final boolean pageRelease;               // big blocks give pages back (PageRelease is available and not turned off)
    final PageHeap pageHeap;                 // null without page release
    final HugeAllocations huge;


    @SuppressWarnings("FieldMayBeFinal") // written through CLOSED
    private boolean closed;

    BufferPool(BufferPoolBuilder b) {
        this.name = b.name;
        this.classes = b.sizeClasses;
        this.limit = new PoolLimit(b.limitBytes, b.budget);
        this.huge = new HugeAllocations(limit);
        AtomicLong depotIdle = new AtomicLong();
        this.acquireTimeoutNanos = Durations.saturatedNanos(b.acquireTimeout);
        this.stripeBytes = b.threadCacheBytes;
        this.scrubOnRelease = b.scrubOnRelease;
        this.retainedBytes = b.retainedBytes;
        int n = classes.count();
        this.depots = new ClassDepot[n];
        this.cacheLimit = new int[n];
        this.pageRelease = b.pageRelease && PageRelease.available(); // binds madvise now, not in an acquire
        this.pageHeap = pageRelease ? new PageHeap(name,
                (d, chunk, first, pages, faulted) -> new Slab(this, d, chunk, first, pages, faulted), limit,
                depotIdle, b.retainedBytes, b.idleHeadroom, n, this::startScavenger) : null;
        for (int c = 0; c < n; c++) {
            long size = classes.size(c);
            long target = Math.clamp(size * 64, 64L << 10, Math.max(b.slabBytes, size));
            int perSlab = Math.clamp(target / size, 1, Integer.MAX_VALUE);
            long share = stripeBytes / 4;
            cacheLimit[c] = size > share ? 0 : (int) Math.min(64, Math.max(1, share / size));
            boolean paged = pageRelease && size >= PAGED_CLASS_BYTES;
            depots[c] = new ClassDepot(c, size, perSlab, depotIdle, paged ? pageHeap : null);
        }
        this.lenders = new Lenders(depots, classes);
        this.stripes = new Stripes(stripeBytes == 0 ? 1 : b.stripes, n, b.leakSamplingRate);
        this.leaks = new Leaks(name, huge, pageHeap, b.leakDetection, b.leakListener);
        this.paranoid = leaks.releaseNeedsWatch();
        this.idle = new IdleMemory(depots, stripes.all, limit, depotIdle, Math.max(b.maxIdleBytes, b.retainedBytes),
                pageHeap, leaks);
        this.leakSamplingRate = b.leakSamplingRate;
        this.scavenger = b.idleTimeout.isZero() ? null : new Scavenger(name, idle, this::isClosed, b.retainedBytes,
                Durations.saturatedNanos(b.idleTimeout), b.trimNativeHeap);
        this.supply = new SlabSupply(name, limit, idle, leaks, (d, blockSize, blocks) -> new Slab(this, d, blockSize, blocks),
                this::stats, scavenger);
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
     * The native memory this pool holds now: one atomic read, for callers that poll it often (allocator metrics);
     * {@link #stats()} has the breakdown.
     *
     * @return bytes held, as {@code stats().reservedBytes()} reports them
     * @since 0.1
     */
    public long reservedBytes() {
        return limit.reserved.get();
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
        return acquire(size, Durations.saturatedNanos(timeout), true);
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
            throw badSize(size);
        }
        checkOpen();
        int c = classes.indexFor(size);
        long mixed = mix(Thread.currentThread());
        if (c >= 0 && cacheLimit[c] > 0) {
            Buffer b = acquireCached(c, size, mixed);
            if (b != null) {
                return b;
            }
        }
        return acquireUncached(c, size, mixed, timeoutNanos, orThrow);
    }

    private static IllegalArgumentException badSize(long size) {
        return new IllegalArgumentException("buffer size must be in [1 B, 16 GiB), got " + size
                + (size > 0 ? ": allocate larger regions outside a buffer pool" : ""));
    }

    /**
     * The fast path: a block of cached class {@code c} from the caller's stripe, refilled from the depot when
     * empty; null if both neighbouring stripes are busy or the refill found no memory under the limit. Kept
     * small so the JIT inlines it into the caller.
     */
    private Buffer acquireCached(int c, long size, long mixed) {
        Stripe s = stripes.lock(mixed);
        if (s == null) {
            return null;
        }
        Block block;
        boolean sampled = false;
        try {
            Stripe.ClassCache k = s.caches[c];
            int n = k == null ? 0 : k.count;
            boolean miss = false;
            if (n == 0) {
                Taken taken = refill(s, c, size);
                n = taken.count();
                if (n == 0) {
                    return null;
                }
                miss = taken.fresh();
                k = s.caches[c];
            }
            n--;
            Block[] stack = k.blocks;
            block = stack[n];
            stack[n] = null; // the lease must be the block's only holder (see Block)
            k.count = n;
            if (n < k.low) {
                k.low = n;
            }
            s.cachedBytes -= classes.size(c);
            if ((++s.operations & (Stripe.TRIM_INTERVAL - 1)) == 0) {
                s.trimUnused(depots);
            }
            k.countAcquire(size, miss);
            if (--s.sampleCountdown <= 0) {
                s.sampleCountdown = leakSamplingRate;
                sampled = true;
            }
        } finally {
            s.unlock();
        }
        return lease(block, size, threadTag(mixed), sampled);
    }

    /** Everything the stripes do not serve: huge requests, uncached classes, and cached ones the stripes missed. */
    private Buffer acquireUncached(int c, long size, long mixed, long timeoutNanos, boolean orThrow) {
        long needed = c < 0 ? size : classes.size(c);
        if (needed > limit.limit) {
            if (!orThrow) {
                return null;
            }
            throw supply.exhausted(size, "the request can never fit: it needs " + ByteSize.format(needed)
                    + " and the limit is " + ByteSize.format(limit.limit), null);
        }
        int tag = threadTag(mixed);
        return c < 0 ? acquireHuge(size, tag, timeoutNanos, orThrow)
                : acquireFromDepot(c, size, tag, timeoutNanos, orThrow);
    }

    /** The smallest uncached class served by the page heap when there is one. */
    static final long PAGED_CLASS_BYTES = 64L << 10;

    /** Refills an empty stripe stack from the depot (growing by a slab if the limit allows). Holds the stripe. */
    private Taken refill(Stripe s, int c, long size) {
        int batch = Math.max(1, cacheLimit[c] / 2);
        Stripe.ClassCache k = s.cache(c, cacheLimit[c]);
        ClassDepot d = depots[c];
        leaks.poll();
        Taken taken = d.take(k.blocks, 0, batch);
        if (taken.count() == 0) {
            if (lenders.mayLend(c, size)) {
                return Taken.NONE; // the slow path borrows a bigger idle block before growing
            }
            Slab slab = supply.newSlab(d);
            if (slab == null) {
                return Taken.NONE;
            }
            taken = d.addSlabAndTake(slab, k.blocks, 0, batch);
        }
        k.count = taken.count();
        s.cachedBytes += taken.count() * d.blockSize;
        return taken;
    }

    private Buffer acquireFromDepot(int c, long size, int tag, long timeoutNanos, boolean orThrow) {
        ClassDepot d = depots[c];
        Block[] scratch = new Block[1];
        leaks.poll();
        Block b = supply.untilRoom(() -> {
            checkOpen();
            return takeForLease(d, c, size, scratch);
        }, size, timeoutNanos, orThrow);
        return b == null ? null : lease(b, size, tag, randomSample());
    }

    /**
     * One block of class {@code c} for a lease of {@code size}, counted: a page run, or a depot block (carving a
     * new slab if need be); null when the limit leaves no room now. {@code scratch} is a one-element array.
     */
    private Block takeForLease(ClassDepot d, int c, long size, Block[] scratch) {
        if (d.paged) {
            // An uncached class's run is exactly the request's pages; a cached one's is the class's size, so that
            // its block can serve any request of the class once a thread cache holds it.
            Slab run = pageHeap.allocate(d, cacheLimit[c] == 0 ? size : d.blockSize, true);
            if (run == null) {
                return null;
            }
            d.countAcquire(size, run.faulted);
            return run.block(0);
        }
        Taken taken = d.take(scratch, 0, 1);
        if (taken.count() == 0) {
            Block lent = lenders.lend(c, size);
            if (lent != null) {
                return lent;
            }
            Slab fresh = supply.newSlab(d);
            if (fresh != null) {
                taken = d.addSlabAndTake(fresh, scratch, 0, 1);
            }
        }
        if (taken.count() == 0) {
            return null;
        }
        d.countAcquire(size, taken.fresh());
        Block b = scratch[0];
        scratch[0] = null; // the lease must be the block's only holder (see Block)
        return b;
    }

    private Buffer acquireHuge(long size, int tag, long timeoutNanos, boolean orThrow) {
        long bytes = (size + SizeClasses.QUANTUM - 1) & -SizeClasses.QUANTUM;
        Slab slab = supply.untilRoom(() -> {
            checkOpen();
            return limit.tryReserve(bytes) ? supply.allocate(null, bytes, 1, size) : null;
        }, size, timeoutNanos, orThrow);
        if (slab == null) {
            return null;
        }
        huge.added(slab, size);
        MemkitEvents.hugeAllocation(name, size);
        return lease(slab.block(0), size, tag, randomSample());
    }

    private Buffer lease(Block block, long size, int threadTag, boolean sampled) {
        if (block.watch != null) {
            leaks.onAcquire(block.watch, size, sampled);
        }
        return new Buffer(block, size, threadTag);
    }

    /** See {@link BufferAccess#charge}. */
    private void charge(long bytes) {
        checkOpen();
        if (limit.tryReserve(bytes)) {
            return;
        }
        idle.reclaimAll();
        if (!limit.tryReserve(bytes)) {
            throw supply.exhausted(bytes, "memory allocated outside the pool's blocks does not fit", null);
        }
    }

    /** Sampling off the stripe path (depot and huge acquires are slow paths anyway). */
    private boolean randomSample() {
        return java.util.concurrent.ThreadLocalRandom.current().nextInt(leakSamplingRate) == 0;
    }

    /** Called by {@link Buffer#close()} after it won the release CAS. */
    void release(Block block, long size, int acquirerTag) {
        if (scrubOnRelease || paranoid) {
            endLease(block, size);
        }
        long mixed = mix(Thread.currentThread());
        boolean cross = acquirerTag != threadTag(mixed);
        int c = block.classIndex;
        if (c >= 0 && cacheLimit[c] > 0 && !isClosed() && releaseCached(c, block, size, mixed, cross)) {
            return;
        }
        releaseUncached(block.slab.depot, block, size, cross);
    }

    /** What some modes do before a block goes back: scrub it, end its views' scope. */
    private void endLease(Block block, long size) {
        if (scrubOnRelease) {
            block.memory.asSlice(block.offset, size).fill((byte) 0);
        }
        if (paranoid) {
            leaks.onRelease(block.watch);
        }
    }

    /** The fast path: pushes the block on the caller's stripe; false if both neighbouring stripes are busy. */
    private boolean releaseCached(int c, Block block, long size, long mixed, boolean cross) {
        Stripe s = stripes.lock(mixed);
        if (s == null) {
            return false;
        }
        boolean overflowed;
        try {
            Stripe.ClassCache k = s.cache(c, cacheLimit[c]);
            long blockSize = classes.size(c);
            overflowed = k.count == k.blocks.length || s.cachedBytes + blockSize > stripeBytes;
            if (overflowed) {
                makeRoom(s, k, depots[c]);
            }
            int n = k.count;
            k.blocks[n] = block;
            k.count = n + 1;
            s.cachedBytes += blockSize;
            if ((++s.operations & (Stripe.TRIM_INTERVAL - 1)) == 0) {
                s.trimUnused(depots);
            }
            k.countRelease(size, cross);
        } finally {
            s.unlock();
        }
        limit.signalSpace();
        if (overflowed) {
            idle.enforceIdleCap();
        }
        return true;
    }

    /**
     * Makes room for one block of {@code d} in a full stripe (caller holds it): the older half of the class goes
     * to the depot, or of every class when the stripe's bytes are at their bound (everything if that is not
     * enough).
     */
    private void makeRoom(Stripe s, Stripe.ClassCache k, ClassDepot d) {
        if (k.count == k.blocks.length) {
            s.flushOldest(k, Math.max(1, k.count / 2), d);
        }
        if (s.cachedBytes + d.blockSize > stripeBytes) {
            s.halve(depots);
            if (s.cachedBytes + d.blockSize > stripeBytes) {
                s.flushAll(depots);
            }
        }
    }

    /** Releases to the depot (uncached classes, busy stripes, a closed pool) or frees a huge allocation. */
    private void releaseUncached(ClassDepot d, Block block, long size, boolean cross) {
        if (d == null) {
            huge.released(block.slab, size, cross);
            return;
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

    /** Mixes a thread id; the stripe index comes from its middle bits, the lease's thread tag from its top 9. */
    private static long mix(Thread thread) {
        return thread.threadId() * 0x9E3779B97F4A7C15L;
    }

    /**
     * The thread tag recorded in a lease; a release under another tag counts as cross-thread (two threads with
     * equal tags, 1 pair in 512, are not told apart).
     */
    private static int threadTag(long mixed) {
        return (int) (mixed >>> (64 - Buffer.TAG_BITS));
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
        long freed = idle.trim(retainBytes);
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
        return PoolStatsCollector.collect(name, limit, depots, stripes.all, huge.counters(), pageHeap, leaks);
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
        idle.reclaimAll();
        limit.signalSpace();
    }

    private void startScavenger() {
        if (scavenger != null) {
            scavenger.startIfNeeded();
        }
    }

    /** For tests: bytes of idle blocks held in thread-cache stripes, and the number of stripes. */
    long[] stripeCache() {
        return new long[] {stripes.cachedBytes(), stripes.all.length};
    }

    /** For tests: the background thread's name, or "" when it has not started. */
    String scavengerThreadName() {
        return scavenger == null ? "" : scavenger.threadName();
    }

    boolean isClosed() {
        return (boolean) CLOSED.getOpaque(this);
    }

    void checkOpen() {
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
