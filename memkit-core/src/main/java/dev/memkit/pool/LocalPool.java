package dev.memkit.pool;

import dev.memkit.budget.PressureLevel;
import dev.memkit.budget.PressureMonitor;
import dev.memkit.internal.Durations;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * An unbounded pool of reusable objects, the JVM counterpart of Go's {@code sync.Pool}: {@link #get()} returns an
 * idle object or a new one from the factory, {@link #put(Object)} resets an object and keeps it for the next get.
 * Objects the pool holds may be dropped at any time (they are a cache, not a resource budget); use
 * {@link BoundedPool} when the number of objects must be limited.
 *
 * <pre>{@code
 * LocalPool<StringBuilder> builders = LocalPool.builder(StringBuilder::new)
 *         .reset(sb -> sb.setLength(0))
 *         .keepIf(sb -> sb.capacity() <= 64 * 1024)   // do not pin one huge builder forever
 *         .build();
 * StringBuilder sb = builders.get();
 * try { ... } finally { builders.put(sb); }
 * }</pre>
 *
 * <h2>Design</h2>
 * Each platform thread has a small cache of its own ({@link ThreadCache}, {@code threadCacheSize} objects),
 * found through a table indexed by thread id (a {@code ThreadLocal} when two live threads collide): get and put
 * on it use plain memory accesses, no atomic instruction and no shared write, so the common case costs a few
 * loads and stores. An object put by a thread lands in that thread's cache,
 * wherever it was taken. A full cache overflows into a striped {@link SharedDepot}, where empty caches look before
 * calling the factory. Virtual threads skip the per-thread cache and use the depot directly, so a million
 * short-lived virtual threads leave no state behind.
 *
 * <h2>Dropping idle objects</h2>
 * Idle objects go in two stages, as in Go: an aging step turns each cache's objects into a victim generation (a
 * get still takes them, which rescues them) and drops the previous victims. The pool ages every
 * {@code idleTimeout}, so an object unused for between one and two idle timeouts is dropped; with
 * {@link Builder#dropOnPressure(PressureMonitor)} it also ages when the heap pressure becomes elevated and drops
 * everything when it becomes critical. {@link #age()} and {@link #clear()} do it on demand.
 *
 * <h2>Ownership and thread-safety</h2>
 * A gotten object belongs to the caller until it is put; after {@code put} the caller must not touch it, and
 * putting the same object twice would hand it to two holders later (the pool only catches the same object put
 * twice in a row on one thread). Every method is thread-safe. The pool runs one daemon thread
 * ("memkit-localpool-NAME") for timed aging, stopped by {@link #close()}; after close, {@code get} throws and
 * {@code put} drops.
 *
 * @param <T> the pooled type
 * @since 0.1
 */
public final class LocalPool<T> implements AutoCloseable {
    private static final VarHandle CLOSED;
    private static final VarHandle TABLE = MethodHandles.arrayElementVarHandle(ThreadCache[].class);

    static {
        try {
            CLOSED = MethodHandles.lookup().findVarHandle(LocalPool.class, "closed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    private final Supplier<? extends T> factory;
    private final Consumer<? super T> reset;          // null: none
    private final Predicate<? super T> keepIf;        // null: keep everything
    private final int threadCacheSize;
    /**
     * Thread caches indexed by thread id (direct-mapped): finding the caller's cache is a load and a compare,
     * cheaper than a {@code ThreadLocal} lookup. Each entry is installed by CAS by its owner; a thread whose entry
     * is taken by another live thread falls back to {@link #overflowCaches}.
     */
    private final ThreadCache[] table;
    private final int tableMask;
    private final ThreadLocal<ThreadCache> overflowCaches;
    /** Every thread cache ever created, weakly, with its counters strongly (folded in when the thread dies). */
    private final Queue<Registration> registry = new ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicLong registrations = new java.util.concurrent.atomic.AtomicLong();
    private final SharedDepot depot;
    private final Object agingLock = new Object();
    private final Thread ager;                        // null when timed aging is off

    // Counters for the shared paths (virtual threads, overflow, aging, dead threads).
    private final LongAdder sharedHits = new LongAdder();
    private final LongAdder sharedMisses = new LongAdder();
    private final LongAdder sharedPuts = new LongAdder();
    private final LongAdder sharedDropped = new LongAdder();

    @SuppressWarnings("unused") // accessed through CLOSED
    private boolean closed;

    private LocalPool(Builder<T> b) {
        name = b.name;
        factory = b.factory;
        reset = b.reset;
        keepIf = b.keepIf;
        threadCacheSize = b.threadCacheSize;
        depot = new SharedDepot(b.sharedCapacity);
        int n = Integer.highestOneBit(Math.max(64, Runtime.getRuntime().availableProcessors() * 8) - 1) << 1;
        table = new ThreadCache[n];
        tableMask = n - 1;
        overflowCaches = ThreadLocal.withInitial(() -> register(Thread.currentThread()));
        if (b.idleTimeout.isZero()) {
            ager = null;
        } else {
            long periodNanos = Durations.saturatedNanos(b.idleTimeout);
            ager = Thread.ofPlatform().daemon().name("memkit-localpool-" + name).unstarted(() -> {
                while (!isClosed()) {
                    LockSupport.parkNanos(this, periodNanos);
                    if (!isClosed()) {
                        age();
                    }
                }
            });
            ager.start();
        }
        if (b.pressure != null) {
            WeakReference<LocalPool<T>> self = new WeakReference<>(this);
            b.pressure.addListener((previous, current) -> {
                LocalPool<T> pool = self.get();
                if (pool != null && !pool.isClosed() && current.compareTo(previous) > 0) {
                    if (current == PressureLevel.CRITICAL) {
                        pool.clear();
                    } else {
                        pool.age();
                    }
                }
            });
        }
    }

    /**
     * Starts configuring a pool.
     *
     * @param factory creates an object when the pool has none idle; must not return null
     * @param <T> the pooled type
     * @return a builder with the defaults
     */
    public static <T> Builder<T> builder(Supplier<? extends T> factory) {
        return new Builder<>(factory);
    }

    /**
     * The pool's name, used in statistics and thread names.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * An idle object, or a new one from the factory. The caller owns it until it {@link #put(Object) puts} it.
     *
     * @return an object, never null
     * @throws IllegalStateException if the pool is closed
     * @throws NullPointerException if the factory returned null
     */
    public T get() {
        if (isClosed()) {
            throw new IllegalStateException("LocalPool '" + name + "' is closed");
        }
        Thread t = Thread.currentThread();
        if (!t.isVirtual()) {
            ThreadCache c = cacheOf(t);
            Object o = c.primary().pop();
            if (o == null) {
                IdleStack v = c.victim();
                o = v == null ? null : v.pop();
            }
            if (o == null) {
                o = depot.get(t);
            }
            if (o != null) {
                c.counters.hit();
                return cast(o);
            }
            c.counters.miss();
            return create();
        }
        Object o = depot.get(t);
        if (o != null) {
            sharedHits.increment();
            return cast(o);
        }
        sharedMisses.increment();
        return create();
    }

    /**
     * Gives an object back: it is dropped if the keep predicate refuses it or the pool is closed, otherwise reset
     * and kept for a later {@link #get()}. The caller must not use it afterwards.
     *
     * @param object an object obtained from this pool's {@code get} (or created compatibly)
     * @throws NullPointerException if {@code object} is null
     * @throws IllegalStateException if the same object was just put on this thread (a double put)
     * @throws RuntimeException whatever the reset hook throws; the object is then dropped
     */
    public void put(T object) {
        Objects.requireNonNull(object, "object");
        Thread t = Thread.currentThread();
        ThreadCache c = t.isVirtual() ? null : cacheOf(t);
        if (isClosed() || (keepIf != null && !keepIf.test(object))) {
            dropped(c);
            return;
        }
        if (c != null) {
            IdleStack s = c.primary();
            if (s.top() == object) {
                throw new IllegalStateException("object put twice into LocalPool '" + name + "': " + object);
            }
            resetObject(object, c);
            if (s.push(object)) {
                c.counters.put();
                return;
            }
        } else {
            resetObject(object, null);
        }
        if (depot.put(t, object)) {
            if (c != null) {
                c.counters.put();
            } else {
                sharedPuts.increment();
            }
        } else {
            dropped(c);
        }
    }

    private void resetObject(T object, ThreadCache c) {
        if (reset != null) {
            try {
                reset.accept(object);
            } catch (RuntimeException | Error e) {
                dropped(c);
                throw e;
            }
        }
    }

    private void dropped(ThreadCache c) {
        if (c != null) {
            c.counters.dropped();
        } else {
            sharedDropped.increment();
        }
    }

    private T create() {
        return Objects.requireNonNull(factory.get(), "LocalPool factory returned null");
    }

    @SuppressWarnings("unchecked") // only T instances are ever pushed
    private T cast(Object o) {
        return (T) o;
    }

    /**
     * One aging step: objects idle since the previous step are dropped; the rest become victims, dropped at the
     * next step unless a get takes them first. The pool calls this every idle timeout and on elevated pressure.
     */
    public void age() {
        ageAll(false);
    }

    /** Drops every idle object now (the pool stays usable). */
    public void clear() {
        ageAll(true);
    }

    private void ageAll(boolean dropAll) {
        synchronized (agingLock) {
            pruneDeadOwners();
            long dropped = depot.age(dropAll);
            for (var it = registry.iterator(); it.hasNext(); ) {
                Registration r = it.next();
                ThreadCache c = r.cache.get();
                if (c == null) {
                    retire(r);
                    it.remove();
                } else {
                    dropped += c.age(dropAll);
                }
            }
            sharedDropped.add(dropped);
        }
    }

    private void retire(Registration r) {
        sharedHits.add(r.counters.hits());
        sharedMisses.add(r.counters.misses());
        sharedPuts.add(r.counters.puts());
        sharedDropped.add(r.counters.droppedCount());
    }

    private ThreadCache cacheOf(Thread t) {
        ThreadCache c = table[(int) t.threadId() & tableMask];
        return c != null && c.owner == t ? c : installCache(t);
    }

    /** Claims the caller's table entry if it is empty or its owner died; otherwise uses the ThreadLocal. */
    private ThreadCache installCache(Thread t) {
        int i = (int) t.threadId() & tableMask;
        ThreadCache current = (ThreadCache) TABLE.getAcquire(table, i);
        if (current == null || !current.owner.isAlive()) {
            ThreadCache mine = register(t);
            if (TABLE.compareAndSet(table, i, current, mine)) {
                return mine;
            }
            registry.removeIf(r -> r.cache.get() == mine);
        }
        return overflowCaches.get();
    }

    private ThreadCache register(Thread t) {
        ThreadCache c = new ThreadCache(threadCacheSize, t);
        registry.add(new Registration(new WeakReference<>(c), c.counters));
        if ((registrations.incrementAndGet() & 63) == 0) {
            pruneRegistry();      // threads come and go even when the pool never ages: keep the registry bounded
        }
        return c;
    }

    /** Folds the counters of collected caches into the totals and forgets them. */
    private void pruneRegistry() {
        synchronized (agingLock) {
            pruneDeadOwners();
            for (var it = registry.iterator(); it.hasNext(); ) {
                Registration r = it.next();
                if (r.cache.get() == null) {
                    retire(r);
                    it.remove();
                }
            }
        }
    }

    /** Frees table entries whose owner thread died, so their caches and objects can be collected. */
    private void pruneDeadOwners() {
        for (int i = 0; i < table.length; i++) {
            ThreadCache c = (ThreadCache) TABLE.getAcquire(table, i);
            if (c != null && !c.owner.isAlive()) {
                TABLE.compareAndSet(table, i, c, null);
            }
        }
    }

    /**
     * A snapshot of the counters and of the idle objects.
     *
     * @return the statistics
     */
    public LocalPoolStats stats() {
        synchronized (agingLock) {
            long hits = sharedHits.sum();
            long misses = sharedMisses.sum();
            long puts = sharedPuts.sum();
            long dropped = sharedDropped.sum();
            long idle = depot.idle();
            for (Registration r : registry) {
                hits += r.counters.hits();
                misses += r.counters.misses();
                puts += r.counters.puts();
                dropped += r.counters.droppedCount();
                ThreadCache c = r.cache.get();
                idle += c == null ? 0 : c.idle();
            }
            return new LocalPoolStats(name, hits + misses, hits, misses, puts, dropped, idle);
        }
    }

    /** Thread caches currently registered (live or not yet pruned); for tests. */
    int registeredCaches() {
        return registry.size();
    }

    private boolean isClosed() {
        return (boolean) CLOSED.getOpaque(this);
    }

    /** Drops every idle object and stops timed aging. Later gets throw; later puts drop their object. */
    @Override
    public void close() {
        CLOSED.setRelease(this, true);
        if (ager != null) {
            LockSupport.unpark(ager);
        }
        clear();
    }

    @Override
    public String toString() {
        return "LocalPool[" + name + "]";
    }

    private record Registration(WeakReference<ThreadCache> cache, ThreadCache.Counters counters) {}

    /**
     * Configuration of a {@link LocalPool}. Not thread-safe; build once.
     *
     * @param <T> the pooled type
     */
    public static final class Builder<T> {
        private final Supplier<? extends T> factory;
        private String name = "local";
        private Consumer<? super T> reset;
        private Predicate<? super T> keepIf;
        private int threadCacheSize = 16;
        private int sharedCapacity = 1024;
        private Duration idleTimeout = Duration.ofSeconds(60);
        private PressureMonitor pressure;

        private Builder(Supplier<? extends T> factory) {
            this.factory = Objects.requireNonNull(factory, "factory");
        }

        /**
         * Names the pool (statistics, thread names). Default "local".
         *
         * @param name a non-blank name
         * @return this builder
         */
        public Builder<T> name(String name) {
            if (Objects.requireNonNull(name, "name").isBlank()) {
                throw new IllegalArgumentException("name must not be blank");
            }
            this.name = name;
            return this;
        }

        /**
         * Runs on every object kept by {@code put}, to clear its state. Default: none.
         *
         * @param reset the hook; if it throws, the object is dropped and the exception reaches the caller of put
         * @return this builder
         */
        public Builder<T> reset(Consumer<? super T> reset) {
            this.reset = Objects.requireNonNull(reset, "reset");
            return this;
        }

        /**
         * Refuses to keep objects that fail the predicate, for example buffers that grew too large. Default: keep
         * everything.
         *
         * @param keepIf true to keep the object
         * @return this builder
         */
        public Builder<T> keepIf(Predicate<? super T> keepIf) {
            this.keepIf = Objects.requireNonNull(keepIf, "keepIf");
            return this;
        }

        /**
         * The idle objects each platform thread keeps for itself. Default 16.
         *
         * @param objects between 1 and 65536
         * @return this builder
         */
        public Builder<T> threadCacheSize(int objects) {
            if (objects < 1 || objects > 65_536) {
                throw new IllegalArgumentException("threadCacheSize must be in [1, 65536]: " + objects);
            }
            this.threadCacheSize = objects;
            return this;
        }

        /**
         * Idle objects kept in the shared depot (overflow of thread caches, and the virtual threads' cache), in
         * all, spread over the stripes. Default 1024.
         *
         * @param objects between 1 and 2^24
         * @return this builder
         */
        public Builder<T> sharedCapacity(int objects) {
            if (objects < 1 || objects > (1 << 24)) {
                throw new IllegalArgumentException("sharedCapacity must be in [1, 16777216]: " + objects);
            }
            this.sharedCapacity = objects;
            return this;
        }

        /**
         * How long an object may stay idle: the pool ages every period, so an object unused for between one and
         * two periods is dropped. {@link Duration#ZERO} turns timed aging off (no thread is started). Default 60 s.
         *
         * @param timeout zero, or at least one millisecond
         * @return this builder
         */
        public Builder<T> idleTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || (!timeout.isZero() && timeout.toMillis() < 1)) {
                throw new IllegalArgumentException("idleTimeout must be zero or at least 1 ms: " + timeout);
            }
            this.idleTimeout = timeout;
            return this;
        }

        /**
         * Ages the pool when the monitor's level rises to {@link PressureLevel#ELEVATED} and drops every idle
         * object when it rises to {@link PressureLevel#CRITICAL}. The monitor holds the pool only weakly.
         *
         * @param monitor the pressure monitor to follow
         * @return this builder
         */
        public Builder<T> dropOnPressure(PressureMonitor monitor) {
            this.pressure = Objects.requireNonNull(monitor, "monitor");
            return this;
        }

        /**
         * Builds the pool (and starts its aging thread unless the idle timeout is zero).
         *
         * @return the pool
         */
        public LocalPool<T> build() {
            return new LocalPool<>(this);
        }
    }
}
