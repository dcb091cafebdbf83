package dev.memkit.manager;

import dev.memkit.MemoryLimitException;
import dev.memkit.arena.RegionArena;
import dev.memkit.budget.MemoryBudget;
import dev.memkit.budget.PressureLevel;
import dev.memkit.budget.PressureMonitor;
import dev.memkit.buffer.Buffer;
import dev.memkit.buffer.BufferPool;
import dev.memkit.buffer.BufferPoolBuilder;
import dev.memkit.internal.LimitConfig;
import dev.memkit.pool.BoundedPool;
import dev.memkit.pool.BoundedPoolBuilder;
import dev.memkit.pool.LocalPool;
import dev.memkit.pool.ObjectFactory;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The front door: one process-wide memory budget, the pools that draw from it, and the reaction to memory
 * pressure.
 *
 * <pre>{@code
 * try (MemoryManager memory = MemoryManager.builder().build()) {   // limit from MEMKIT_LIMIT or the machine
 *     try (Buffer b = memory.buffers().acquire(64 * 1024)) { ... }
 *     BufferPool ingest = memory.newBufferPool("ingest", 512L << 20, p -> p.sizeClasses(SizeClasses.coarse()));
 * }
 * }</pre>
 *
 * <h2>What it owns</h2>
 * The root {@link MemoryBudget} (named "memkit"), a default {@link BufferPool} drawing from its child budget
 * "buffers", every pool made by {@link #newBufferPool}, {@link #newLocalPool} and {@link #newBoundedPool}, and a
 * {@link PressureMonitor} following this JVM's GCs.
 * Arenas made by {@link #newArena()} take their chunks from the default pool and are owned by the caller.
 *
 * <h2>Picking a strategy</h2>
 * {@link #allocate(long, Lifetime)} chooses for you: pooled buffers for transient memory, the scope's region arena
 * for memory that dies with a unit of work ({@link #inScope}), dedicated allocations for long-lived memory.
 * At ELEVATED pressure every pool returns its idle memory and empties its thread caches ({@code trim()}) and
 * every local object pool ages its idle objects one stage; at CRITICAL local object pools drop every idle object
 * and the breaker refuses reservations from non-critical budgets. {@link #close()} closes all of it.
 *
 * <p>Thread-safe.
 *
 * @since 0.1
 */
public final class MemoryManager implements AutoCloseable {
    private final MemoryBudget root;
    private final String limitSource;
    private final BufferPool buffers;
    private final PressureMonitor pressure;
    private final List<BufferPool> pools = new CopyOnWriteArrayList<>();
    private final List<LocalPool<?>> localPools = new CopyOnWriteArrayList<>();
    private final List<BoundedPool<?>> boundedPools = new CopyOnWriteArrayList<>();
    private final MemoryBudget longLived;
    /** The region arena of the innermost {@link #inScope} on this thread, if any. */
    private static final ScopedValue<RegionArena> SCOPE = ScopedValue.newInstance();

    private MemoryManager(Builder b) {
        LimitConfig.Resolved limit = b.limitBytes > 0 ? new LimitConfig.Resolved(b.limitBytes, "builder")
                : LimitConfig.resolve();
        this.limitSource = limit.source();
        this.root = MemoryBudget.root("memkit", limit.bytes());
        PressureMonitor.Builder pm = PressureMonitor.builder().breaker(root).steerSoftMaxHeap(b.steerSoftMaxHeap)
                .thresholds(b.elevated, b.critical, b.hysteresis)
                .listener((before, after) -> onPressure(after));
        this.pressure = pm.build();
        this.buffers = newBufferPool("buffers", limit.bytes(), b.bufferPool);
        this.longLived = root.child("long-lived", limit.bytes());
        if (b.watchGc) {
            pressure.start();
        }
    }

    /**
     * A builder; without {@link Builder#limitBytes(long)} the limit comes from {@code -Dmemkit.limit},
     * {@code MEMKIT_LIMIT}, or the machine's (container's) memory minus the maximum heap.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    private void onPressure(PressureLevel level) {
        if (level != PressureLevel.NORMAL) {
            for (BufferPool p : pools) {
                p.trim(0);
            }
        }
    }

    /**
     * The process-wide budget; make children of it for your own components.
     *
     * @return the root budget
     */
    public MemoryBudget budget() {
        return root;
    }

    /**
     * Where the limit came from ("builder", "environment MEMKIT_LIMIT=2g", ...).
     *
     * @return a description
     */
    public String limitSource() {
        return limitSource;
    }

    /**
     * The default buffer pool, drawing from the budget "memkit/buffers".
     *
     * @return the pool
     */
    public BufferPool buffers() {
        return buffers;
    }

    /**
     * Allocates {@code size} bytes with the strategy that suits the lifetime (and, for transient memory, the size):
     * <ul>
     *   <li>{@link Lifetime#TRANSIENT}: a lease from the default pool, or a dedicated block above its largest
     *       class;</li>
     *   <li>{@link Lifetime#SCOPED}: a slice of the enclosing {@link #inScope} arena, freed when the scope ends;</li>
     *   <li>{@link Lifetime#LONG_LIVED}: a dedicated allocation charged to the budget "memkit/long-lived".</li>
     * </ul>
     *
     * @param size bytes, at least 1
     * @param lifetime how long the memory lives
     * @return the allocation; close it when done
     * @throws IllegalArgumentException if {@code size} is not positive
     * @throws IllegalStateException for {@code SCOPED} outside {@link #inScope}
     * @throws MemoryLimitException if the pool or the budget refuses
     */
    public Allocation allocate(long size, Lifetime lifetime) {
        if (size <= 0) {
            throw new IllegalArgumentException("allocation size must be positive, got " + size);
        }
        return switch (Objects.requireNonNull(lifetime, "lifetime")) {
            case TRANSIENT -> new PooledAllocation(buffers.acquire(size));
            case SCOPED -> {
                if (!SCOPE.isBound()) {
                    throw new IllegalStateException("Lifetime.SCOPED needs a scope: run the work in "
                            + "memory.inScope(() -> ...)");
                }
                yield new ScopedAllocation(SCOPE.get().allocate(size, 16));
            }
            case LONG_LIVED -> new DedicatedAllocation(size, longLived);
        };
    }

    /**
     * Runs {@code work} with a fresh region arena bound for {@link Lifetime#SCOPED} allocations (a
     * {@link ScopedValue}, so it works the same on virtual threads); the arena and everything allocated from it is
     * freed when {@code work} returns or throws. Scopes nest; the arena is confined to the calling thread.
     *
     * @param work the unit of work
     * @param <T> its result type
     * @param <X> what it may throw
     * @return its result
     * @throws X whatever {@code work} throws
     */
    public <T, X extends Throwable> T inScope(ScopedValue.CallableOp<T, X> work) throws X {
        try (RegionArena arena = newArena()) {
            return ScopedValue.where(SCOPE, arena).call(work);
        }
    }

    /**
     * Acquires a buffer from the default pool (a dedicated allocation above its largest class).
     *
     * @param size bytes, at least 1
     * @return the lease
     */
    public Buffer acquire(long size) {
        return buffers.acquire(size);
    }

    /**
     * The pressure monitor; add listeners to shrink your own caches under pressure.
     *
     * @return the monitor
     */
    public PressureMonitor pressure() {
        return pressure;
    }

    /**
     * A confined region arena over the default pool, so its chunks are charged to the budget. Close it (or let
     * it be closed by its owner thread) when done; see {@link RegionArena}.
     *
     * @return a new arena owned by the calling thread
     */
    public RegionArena newArena() {
        return RegionArena.confined(buffers);
    }

    /**
     * A region arena over the default pool with custom settings (shared, zeroing, chunk size...).
     *
     * @param configure applied to its builder
     * @return a new arena
     */
    public RegionArena newArena(UnaryOperator<RegionArena.Builder> configure) {
        return configure.apply(RegionArena.builder(buffers)).build();
    }

    /**
     * A new pool drawing from a new child budget of the root, closed with this manager.
     *
     * @param name the pool's and the budget's name
     * @param limitBytes the budget's limit (the root's limit still applies)
     * @param configure further pool settings (size classes, caching...)
     * @return the pool
     * @throws IllegalArgumentException if the root already has a budget of that name (the default pool's
     *         "buffers", "long-lived", or an earlier pool's): two would share one path in the statistics and meters
     */
    public synchronized BufferPool newBufferPool(String name, long limitBytes,
                                                 UnaryOperator<BufferPoolBuilder> configure) {
        for (MemoryBudget existing : root.children()) {
            if (existing.path().equals(root.path() + "/" + name)) {
                throw new IllegalArgumentException("this manager already has a budget named '" + name
                        + "' (" + existing.path() + "): give the pool another name");
            }
        }
        MemoryBudget budget = root.child(name, limitBytes);
        BufferPool pool = configure.apply(BufferPool.builder().name(name).limitBytes(limitBytes)).budget(budget)
                .build();
        pools.add(pool);
        return pool;
    }

    /**
     * A new {@link LocalPool} that drops idle objects under this manager's memory pressure (one aging step when it
     * becomes ELEVATED, everything when CRITICAL), closed with this manager.
     *
     * @param name the pool's name
     * @param factory creates objects when none is idle
     * @param configure further settings (reset hook, keep predicate, cache sizes...)
     * @param <T> the pooled type
     * @return the pool
     */
    public <T> LocalPool<T> newLocalPool(String name, Supplier<? extends T> factory,
                                         UnaryOperator<LocalPool.Builder<T>> configure) {
        LocalPool<T> pool = configure.apply(LocalPool.<T>builder(factory).name(name)).dropOnPressure(pressure)
                .build();
        localPools.add(pool);
        return pool;
    }

    /**
     * A new {@link BoundedPool}, closed with this manager and listed in {@link #stats()}.
     *
     * @param name the pool's name
     * @param factory creates objects; may throw
     * @param configure further settings (capacity, hooks, expiry...)
     * @param <T> the pooled type
     * @return the pool
     */
    public <T> BoundedPool<T> newBoundedPool(String name, ObjectFactory<? extends T> factory,
                                             UnaryOperator<BoundedPoolBuilder<T>> configure) {
        BoundedPool<T> pool = configure.apply(BoundedPool.<T>builder(factory).name(name)).build();
        boundedPools.add(pool);
        return pool;
    }

    /**
     * A snapshot of the budget, the pressure and every pool.
     *
     * @return the statistics
     */
    public MemoryManagerStats stats() {
        return new MemoryManagerStats(root.limit(), root.used(), limitSource, pressure.level(), pressure.lastPressure(),
                root.breakerOpen(), pools.stream().map(BufferPool::stats).toList(),
                localPools.stream().map(LocalPool::stats).toList(),
                boundedPools.stream().map(BoundedPool::stats).toList());
    }

    /** Closes every pool and stops the pressure monitor. */
    @Override
    public void close() {
        pressure.close();
        localPools.forEach(LocalPool::close);
        boundedPools.forEach(BoundedPool::close);
        for (BufferPool p : pools) {
            p.close();
        }
    }

    @Override
    public String toString() {
        return "MemoryManager[" + root + ", limit from " + limitSource + ", pressure " + pressure.level() + "]";
    }

    /** Configuration of a {@link MemoryManager}. Not thread-safe. */
    public static final class Builder {
        private long limitBytes;
        private boolean steerSoftMaxHeap;
        private boolean watchGc = true;
        private double elevated = 0.75;
        private double critical = 0.90;
        private double hysteresis = 0.05;
        private UnaryOperator<BufferPoolBuilder> bufferPool = p -> p;

        private Builder() {}

        /**
         * The process-wide limit, overriding {@code memkit.limit} and {@code MEMKIT_LIMIT}.
         *
         * @param bytes positive
         * @return this builder
         */
        public Builder limitBytes(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("limitBytes must be positive: " + bytes);
            }
            this.limitBytes = bytes;
            return this;
        }

        /**
         * Pressure thresholds (fractions of the max heap and of the RSS limit). Default 0.75 / 0.90 / 0.05.
         *
         * @param elevatedThreshold ELEVATED from here
         * @param criticalThreshold CRITICAL from here
         * @param hysteresisFraction how far below a threshold to fall before leaving its level
         * @return this builder
         */
        public Builder pressureThresholds(double elevatedThreshold, double criticalThreshold,
                                          double hysteresisFraction) {
            PressureMonitor.builder().thresholds(elevatedThreshold, criticalThreshold, hysteresisFraction);
            this.elevated = elevatedThreshold;
            this.critical = criticalThreshold;
            this.hysteresis = hysteresisFraction;
            return this;
        }

        /**
         * Lower {@code SoftMaxHeapSize} under pressure (ZGC and Shenandoah honour it). Default off.
         *
         * @param enabled whether to steer
         * @return this builder
         */
        public Builder steerSoftMaxHeap(boolean enabled) {
            this.steerSoftMaxHeap = enabled;
            return this;
        }

        /**
         * Whether to follow this JVM's GC notifications (default true; turn off to drive
         * {@link PressureMonitor#submit} yourself).
         *
         * @param enabled whether to watch
         * @return this builder
         */
        public Builder watchGc(boolean enabled) {
            this.watchGc = enabled;
            return this;
        }

        /**
         * Settings for the default pool.
         *
         * @param configure applied to its builder
         * @return this builder
         */
        public Builder bufferPool(UnaryOperator<BufferPoolBuilder> configure) {
            this.bufferPool = Objects.requireNonNull(configure, "configure");
            return this;
        }

        /**
         * Builds the manager.
         *
         * @return the manager
         * @throws IllegalArgumentException if {@code memkit.limit} or {@code MEMKIT_LIMIT} is malformed
         */
        public MemoryManager build() {
            return new MemoryManager(this);
        }
    }
}
