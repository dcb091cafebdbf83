package dev.memkit.pool;

import dev.memkit.internal.LeakReporting;
import dev.memkit.leak.LeakDetection;
import dev.memkit.leak.LeakReport;
import dev.memkit.internal.Durations;
import dev.memkit.internal.GcRequests;
import dev.memkit.internal.MemkitEvents;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A pool of at most {@code capacity} objects, leased one holder at a time: the JVM counterpart of a Go
 * channel-based pool, for objects that are expensive or limited (connections, large codecs, licences).
 *
 * <pre>{@code
 * BoundedPool<Connection> pool = BoundedPool.builder(() -> Connection.open(url))
 *         .capacity(8).prewarm(2)
 *         .validateOnAcquire(Connection::isOpen)
 *         .onDestroy(Connection::close)
 *         .build();
 * try (Lease<Connection> lease = pool.acquire()) {
 *     lease.get().send(request);
 * }
 * }</pre>
 *
 * <h2>Design</h2>
 * The pool is an array of padded {@link Slot}s, each holding at most one object and a state word. Acquire scans
 * from a start slot derived from the thread's id and claims the first free slot with one CAS, so a thread that
 * keeps acquiring and releasing usually reclaims the same slot and its cache lines (the scan is linear in the
 * busy slots it passes, so a pool of thousands of objects that is nearly always exhausted pays for it); releasing is one CAS (which
 * also catches a double release exactly) and one sequentially consistent store. Objects are created lazily by
 * the acquiring thread (or up front with {@code prewarm}); the factory never runs under a lock. When no slot is
 * free, acquire recovers leaked slots, then waits on a condition until a release signals it or the timeout ends.
 *
 * <h2>Leaks</h2>
 * While an object is leased, the pool keeps no strong reference to it: only the lease does. With leak watching on
 * (every mode but {@link LeakDetection#DISABLED}; the default is {@link LeakDetection#SAMPLED}) each object carries a
 * phantom reference from its creation, so when a leased object becomes unreachable unreleased (the lease was
 * dropped and nobody kept the object) its slot is recovered the next time the pool runs out of free slots, waiters
 * poll every 100 ms, or {@link #stats()} is called, and a {@link LeakReport} goes to the leak listener (logged
 * by default). Recovery needs a GC to have run; an acquire whose timeout ran out therefore asks for one
 * ({@code System.gc()}, at most once a second per pool, as the JDK does before it fails a direct-buffer allocation)
 * and waits up to 200 ms more, after the GC, for the slots it frees. The object itself is gone by then, so the
 * destroy hook cannot run for it. Watching costs nothing per lease; recording the acquisition site does (a stack
 * capture, microseconds), so a leak-free pool records none under {@link LeakDetection#SAMPLED}: once the pool has
 * seen a leak, one lease in {@code leakSamplingRate} per slot records its site, so later reports say where.
 * {@link LeakDetection#ALL} and {@link LeakDetection#PARANOID} record every site from the start. With
 * {@link LeakDetection#DISABLED}, a leaked slot stays lost until the pool is closed.
 *
 * <h2>Ownership and thread-safety</h2>
 * The pool owns its objects; a lease holder owns one object until it releases the lease. Every method is
 * thread-safe. Hooks run on the calling thread: the factory and acquire validation on the acquirer, reset and
 * release validation on the releaser, destroy on whoever destroys. {@link #close()} stops acquisitions, wakes
 * waiters with {@link IllegalStateException}, destroys idle objects at once and leased ones as they come back.
 *
 * @param <T> the pooled type
 * @since 0.1
 */
public final class BoundedPool<T> implements AutoCloseable {
    static final System.Logger LOG = System.getLogger(BoundedPool.class.getName());
    private static final VarHandle CLOSED;
    private static final VarHandle WAITERS;
    private static final VarHandle RECORD_SITES;
    /** While leaks are watched, waiters wake at least this often to recover leaked slots. */
    private static final long LEAK_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** How long a timed-out acquire waits for the leaks a GC it asked for may have found. */
    private static final long LEAK_GC_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    private final GcRequests gcRequests = new GcRequests(TimeUnit.SECONDS.toNanos(1));

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            CLOSED = l.findVarHandle(BoundedPool.class, "closed", boolean.class);
            WAITERS = l.findVarHandle(BoundedPool.class, "waiters", int.class);
            RECORD_SITES = l.findVarHandle(BoundedPool.class, "recordSites", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    private final Slot[] slots;
    private final ObjectFactory<? extends T> factory;
    private final Consumer<? super T> reset;
    private final Predicate<? super T> validateOnAcquire;
    private final Predicate<? super T> validateOnRelease;
    private final Consumer<? super T> onDestroy;
    private final long maxAgeNanos;                     // 0: no age limit
    private final long maxUses;                         // 0: no use limit
    private final long acquireTimeoutNanos;
    private final LeakDetection leakDetection;
    private final boolean everySite;              // ALL or PARANOID: every acquire records its site
    private final int leakSamplingRate;
    private final Consumer<LeakReport> leakListener;
    private final ReferenceQueue<Object> leakQueue = new ReferenceQueue<>();

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition slotFreed = lock.newCondition();
    @SuppressWarnings("unused") // accessed through WAITERS
    private int waiters;
    @SuppressWarnings("unused") // accessed through CLOSED
    private boolean closed;
    /** Set once the pool has seen a leak: from then on sampled leases record their acquisition site. */
    @SuppressWarnings("unused") // accessed through RECORD_SITES
    private boolean recordSites;

    private final LongAdder created = new LongAdder();
    private final LongAdder destroyed = new LongAdder();
    private final LongAdder factoryFailures = new LongAdder();
    private final LongAdder waits = new LongAdder();
    private final LongAdder waitNanos = new LongAdder();
    private final LongAdder timeouts = new LongAdder();
    private final LongAdder leaks = new LongAdder();

    BoundedPool(BoundedPoolBuilder<T> b) {
        name = b.name;
        factory = b.factory;
        reset = b.reset;
        validateOnAcquire = b.validateOnAcquire;
        validateOnRelease = b.validateOnRelease;
        onDestroy = b.onDestroy;
        maxAgeNanos = b.maxAge == null ? 0 : Durations.saturatedNanos(b.maxAge);
        maxUses = b.maxUses;
        acquireTimeoutNanos = Durations.saturatedNanos(b.acquireTimeout);
        leakDetection = b.leakDetection;
        everySite = leakDetection == LeakDetection.ALL || leakDetection == LeakDetection.PARANOID;
        leakSamplingRate = b.leakSamplingRate;
        leakListener = b.leakListener;
        slots = new Slot[b.capacity];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new Slot(i);
        }
    }

    /**
     * Starts configuring a pool.
     *
     * @param factory creates objects; may throw
     * @param <T> the pooled type
     * @return a builder with the defaults
     */
    public static <T> BoundedPoolBuilder<T> builder(ObjectFactory<? extends T> factory) {
        return new BoundedPoolBuilder<>(factory);
    }

    /**
     * The pool's name, used in messages and statistics.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * The most objects that may exist at once.
     *
     * @return the capacity
     */
    public int capacity() {
        return slots.length;
    }

    /**
     * Leases an object, waiting up to the pool's acquire timeout for one to become free.
     *
     * @return a lease; release it with {@code close()}
     * @throws PoolTimeoutException if none became free in time
     * @throws ObjectCreationException if a new object was needed and the factory failed (the slot stays free)
     * @throws IllegalStateException if the pool is or becomes closed
     * @throws InterruptedException if interrupted while waiting
     */
    public Lease<T> acquire() throws InterruptedException {
        return acquire(acquireTimeoutNanos, true);
    }

    /**
     * Leases an object, waiting up to {@code timeout} for one to become free.
     *
     * @param timeout how long to wait; zero or negative means do not wait
     * @return a lease; release it with {@code close()}
     * @throws PoolTimeoutException if none became free in time
     * @throws ObjectCreationException if a new object was needed and the factory failed (the slot stays free)
     * @throws IllegalStateException if the pool is or becomes closed
     * @throws InterruptedException if interrupted while waiting
     */
    public Lease<T> acquire(Duration timeout) throws InterruptedException {
        long nanos = Objects.requireNonNull(timeout, "timeout").isNegative() ? 0 : Durations.saturatedNanos(timeout);
        return acquire(nanos, true);
    }

    /**
     * Leases an object if one is free (or can be created) now; never waits.
     *
     * @return a lease, or empty when all {@code capacity} objects are leased
     * @throws ObjectCreationException if a new object was needed and the factory failed (the slot stays free)
     * @throws IllegalStateException if the pool is closed
     */
    public Optional<Lease<T>> tryAcquire() {
        try {
            return Optional.ofNullable(acquire(0, false));
        } catch (InterruptedException e) {
            throw new AssertionError("tryAcquire does not wait", e);
        }
    }

    private Lease<T> acquire(long timeoutNanos, boolean mayWait) throws InterruptedException {
        ensureOpen();
        Slot s = claimAny();
        if (s == null && leakDetection != LeakDetection.DISABLED) {
            recoverLeaks();
            s = claimAny();
        }
        if (s == null) {
            if (!mayWait) {
                return null;
            }
            s = await(timeoutNanos);
        }
        return prepare(s);
    }

    private Slot claimAny() {
        Slot[] all = slots;
        int n = all.length;
        long h = Thread.currentThread().threadId() * 0x9E3779B97F4A7C15L;
        int i = (int) (((h >>> 32) * n) >>> 32);
        for (int probes = 0; probes < n; probes++, i = i + 1 == n ? 0 : i + 1) {
            Slot s = all[i];
            long st = s.state();
            if (Slot.kind(st) == Slot.FREE && s.cas(st, st | Slot.CLAIMED)) {
                s.stamp = st | Slot.CLAIMED;
                return s;
            }
        }
        return null;
    }

    private Slot await(long timeoutNanos) throws InterruptedException {
        long start = System.nanoTime();
        MemkitEvents.PoolWait event = MemkitEvents.beginWait();
        boolean served = false;
        boolean askedForGc = false;
        long allowedNanos = timeoutNanos; // plus a grace period once a GC was asked for
        waits.increment();
        WAITERS.getAndAdd(this, 1);
        try {
            lock.lockInterruptibly();
            try {
                while (true) {
                    ensureOpen();
                    Slot s = claimAny();
                    if (s != null) {
                        served = true;
                        return s;
                    }
                    long remaining = allowedNanos - (System.nanoTime() - start);
                    boolean watching = leakDetection != LeakDetection.DISABLED;
                    if (remaining <= 0 && watching && !askedForGc) {
                        // Before giving up: leased objects may be leaks no GC has found yet (see GcRequests).
                        askedForGc = true;
                        if (gcRequests.request()) {
                            // The grace runs from the GC's end: a full GC of a big heap may outlast it.
                            allowedNanos = System.nanoTime() - start + LEAK_GC_GRACE_NANOS;
                            continue;
                        }
                    }
                    if (remaining <= 0) {
                        timeouts.increment();
                        MemkitEvents.poolExhausted(name, "object", 1, slots.length, countLeased());
                        throw new PoolTimeoutException("BoundedPool '" + name + "': all " + slots.length
                                + " objects stayed leased for " + Duration.ofNanos(timeoutNanos)
                                + " (leased now: " + countLeased() + ", waiting: " + waiterCount() + ")",
                                slots.length);
                    }
                    slotFreed.awaitNanos(watching ? Math.min(remaining, LEAK_POLL_NANOS) : remaining);
                    if (watching) {
                        recoverLeaks();
                    }
                }
            } finally {
                lock.unlock();
            }
        } finally {
            WAITERS.getAndAdd(this, -1);
            waitNanos.add(System.nanoTime() - start);
            MemkitEvents.endWait(event, name, "object", served);
        }
    }

    /** Turns a claimed slot into a lease: checks or creates its object. Frees the slot on any failure. */
    private Lease<T> prepare(Slot s) {
        try {
            ensureOpen();
            Object o = s.object;
            if (o != null && (expired(s) || !valid(validateOnAcquire, o))) {
                destroy(s);
                o = null;
            }
            if (o == null) {
                create(s);
            }
        } catch (RuntimeException | Error e) {
            free(s, s.stamp);
            throw e;
        }
        s.uses++;
        @SuppressWarnings("unchecked") // the slot only ever holds objects of the pool's type
        T o = (T) s.object;
        s.object = null;              // the lease now holds the only strong reference (see ObjectTracker)
        if (everySite
                || ((boolean) RECORD_SITES.getOpaque(this) && --s.sampleCountdown <= 0)) {
            s.sampleCountdown = leakSamplingRate;
            s.site = LeakReporting.site();
        }
        return new Lease<>(this, s, s.stamp, o);
    }

    private void create(Slot s) {
        Object o;
        try {
            o = factory.create();
        } catch (Exception e) {
            factoryFailures.increment();
            throw new ObjectCreationException("BoundedPool '" + name + "': the factory failed: " + e, e);
        }
        if (o == null) {
            factoryFailures.increment();
            throw new ObjectCreationException("BoundedPool '" + name + "': the factory returned null", null);
        }
        created.increment();
        s.object = o;
        if (leakDetection != LeakDetection.DISABLED) {
            s.tracker = new ObjectTracker(o, leakQueue, s);
        }
        s.uses = 0;
        s.createdNanos = maxAgeNanos > 0 ? System.nanoTime() : 0;
    }

    private boolean expired(Slot s) {
        return (maxUses > 0 && s.uses >= maxUses)
                || (maxAgeNanos > 0 && System.nanoTime() - s.createdNanos >= maxAgeNanos);
    }

    @SuppressWarnings("unchecked") // the slot only ever holds objects of the pool's type
    private boolean valid(Predicate<? super T> check, Object o) {
        if (check == null) {
            return true;
        }
        try {
            return check.test((T) o);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "BoundedPool '" + name + "': validation threw; destroying", e);
            return false;
        }
    }

    /** Called by {@link Lease#close()} and {@link Lease#invalidate()}. */
    @SuppressWarnings("unchecked") // the slot only ever holds objects of the pool's type
    void release(Lease<T> lease, boolean invalidate) {
        Slot s = lease.slot;
        long stamp = lease.stamp;
        if (!s.cas(stamp, Slot.withKind(stamp, Slot.BUSY))) {
            throw new IllegalStateException("lease from pool '" + name + "' was already released");
        }
        s.object = lease.object;      // back in the pool's hands before anything can fail
        lease.object = null;
        s.site = null;
        RuntimeException failure = null;
        boolean keep = !invalidate && !closedAcquire();   // best effort: free() re-checks exactly
        if (keep && reset != null) {
            try {
                reset.accept((T) s.object);
            } catch (RuntimeException e) {
                failure = e;
                keep = false;
            }
        }
        if (keep && (!valid(validateOnRelease, s.object) || expired(s))) {
            keep = false;
        }
        if (!keep) {
            destroy(s);
        }
        free(s, stamp);
        if (failure != null) {
            throw failure;
        }
    }

    /** Ends a holder's exclusive use of {@code s}: frees it (or closes it), then wakes a waiter if any. */
    private void free(Slot s, long stamp) {
        s.publish(Slot.nextFree(stamp));
        // Dekker with await(): a waiter increments WAITERS and then scans; we free and then read WAITERS, both
        // sequentially consistent, so either it sees the free slot or we see it waiting.
        if ((int) WAITERS.getVolatile(this) > 0) {
            lock.lock();
            try {
                slotFreed.signal();
            } finally {
                lock.unlock();
            }
        }
        // The same handshake with close(): it sets CLOSED and then sweeps the slots, we free and then read CLOSED,
        // so either its sweep finds this slot free or we see it closed and sweep the slot ourselves.
        if (isClosed()) {
            closeSlot(s);
        }
    }

    /** Destroys an idle slot's object and retires the slot, if the slot is free (close won the race). */
    private void closeSlot(Slot s) {
        long st = s.state();
        if (Slot.kind(st) == Slot.FREE && s.cas(st, Slot.withKind(st, Slot.BUSY))) {
            if (s.object != null) {
                destroy(s);
            }
            s.publish(Slot.CLOSED_STATE);
        }
    }

    @SuppressWarnings("unchecked") // the slot only ever holds objects of the pool's type
    private void destroy(Slot s) {
        Object o = s.object;
        s.object = null;
        ObjectTracker t = s.tracker;
        if (t != null) {
            s.tracker = null;
            t.clear();
        }
        destroyed.increment();
        if (onDestroy != null) {
            try {
                onDestroy.accept((T) o);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "BoundedPool '" + name + "': destroy hook threw", e);
            }
        }
    }

    /**
     * Recovers the slot of every leased object the GC found unreachable. A tracker is only enqueued while its
     * object is leased and unreachable, so its slot is still claimed by that dead lease and nobody else can touch
     * it; the checks below make that exact rather than assumed.
     */
    private void recoverLeaks() {
        for (Reference<?> ref; (ref = leakQueue.poll()) != null; ) {
            ObjectTracker t = (ObjectTracker) ref;
            Slot s = t.slot;
            long st = s.state();
            if (Slot.kind(st) != Slot.CLAIMED || s.tracker != t || !s.cas(st, Slot.withKind(st, Slot.BUSY))) {
                continue;
            }
            s.tracker = null;
            Throwable site = s.site;
            s.site = null;
            destroyed.increment();    // collected already: there is no object to pass to the destroy hook
            free(s, st);
            leaks.increment();
            RECORD_SITES.setOpaque(this, true);
            LeakReporting.deliver(leakListener, new LeakReport(name, t.type, 0, site, true));
        }
    }

    void prewarm(int count) {
        for (int i = 0; i < count; i++) {
            Slot s = slots[i];
            long st = s.state();
            s.cas(st, st | Slot.CLAIMED);
            s.stamp = st | Slot.CLAIMED;
            try {
                create(s);
            } finally {
                free(s, s.stamp);
            }
        }
    }

    /**
     * Refuses work once the pool is closed. An acquire read is enough here: an acquire that races close() and
     * still gets a lease is allowed (its object is destroyed at release); exactness lives in {@link #free}.
     */
    private void ensureOpen() {
        if (closedAcquire()) {
            throw new IllegalStateException("BoundedPool '" + name + "' is closed");
        }
    }

    private boolean closedAcquire() {
        return (boolean) CLOSED.getAcquire(this);
    }

    /** Sequentially consistent: free() needs it for its Dekker handshake with close() (see there). */
    private boolean isClosed() {
        return (boolean) CLOSED.getVolatile(this);
    }

    private int waiterCount() {
        return (int) WAITERS.getVolatile(this);
    }

    private int countLeased() {
        int n = 0;
        for (Slot s : slots) {
            int k = Slot.kind(s.state());
            n += k == Slot.CLAIMED || k == Slot.BUSY ? 1 : 0;
        }
        return n;
    }

    /**
     * A snapshot of the pool. Recovers leaked slots first, so their leases count as leaks, not as leased.
     *
     * @return the statistics
     */
    public BoundedPoolStats stats() {
        if (leakDetection != LeakDetection.DISABLED) {
            recoverLeaks();
        }
        int idle = 0;
        for (Slot s : slots) {
            idle += Slot.kind(s.state()) == Slot.FREE && s.object != null ? 1 : 0;
        }
        return new BoundedPoolStats(name, slots.length, countLeased(), idle, created.sum(), destroyed.sum(),
                factoryFailures.sum(), waiterCount(), waits.sum(), waitNanos.sum(), timeouts.sum(), leaks.sum());
    }

    /**
     * Stops acquisitions, wakes every waiter with {@link IllegalStateException} and destroys the idle objects;
     * leased objects are destroyed when their leases are released. Idempotent.
     */
    @Override
    public void close() {
        if (!CLOSED.compareAndSet(this, false, true)) {
            return;
        }
        lock.lock();
        try {
            slotFreed.signalAll();
        } finally {
            lock.unlock();
        }
        for (Slot s : slots) {
            closeSlot(s);
        }
        if (leakDetection != LeakDetection.DISABLED) {
            recoverLeaks();
        }
    }

    @Override
    public String toString() {
        return "BoundedPool[" + name + ", capacity " + slots.length + (isClosed() ? ", closed]" : "]");
    }

}
