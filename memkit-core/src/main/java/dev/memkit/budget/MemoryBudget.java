package dev.memkit.budget;

import dev.memkit.internal.Durations;
import dev.memkit.internal.MemkitEvents;

import dev.memkit.ByteSize;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A byte budget in a tree: the root holds the process-wide limit, children hold per-component or per-tenant
 * limits. A reservation on a budget is charged to it and to every ancestor, and is granted only if no limit on
 * that path would be exceeded, so a child never exceeds its own limit or any ancestor's.
 *
 * <pre>{@code
 * MemoryBudget process = MemoryBudget.root("process", 8L << 30);
 * MemoryBudget cache = process.child("cache", 2L << 30);
 * MemoryBudget ingest = process.child("ingest", 4L << 30, 1L << 30, true); // 1 GiB guaranteed, critical
 * try (MemoryBudget.Reservation r = cache.reserve(64L << 20)) {
 *     // ... use up to 64 MiB
 * }
 * }</pre>
 *
 * <h2>Algorithm</h2>
 * Each budget keeps its usage in an {@code AtomicLong}. Invariant: a budget's parent is charged exactly
 * {@code max(0, used - guarantee)} for it. Without a guarantee (the common case) that is linear, so a reservation
 * CASes the usage up within the limit, then charges the parent the same way up to the root, and on a refusal
 * undoes exactly its own increment: lock-free and exact under any interleaving. With a guarantee the charge is not
 * linear in the usage, so such a budget changes its usage under its own monitor (locks are only ever taken child
 * before parent, so they cannot deadlock). A concurrent reservation may see a short-lived charge that is about to
 * be undone and be refused for it; nothing is ever over-granted.
 *
 * <h2>Guarantees</h2>
 * A child created with a guaranteed amount has those bytes charged to its ancestors at creation, so siblings
 * cannot take them; its own reservations reach the ancestors only beyond the guarantee.
 *
 * <h2>Circuit breaker</h2>
 * When {@link #setBreakerOpen(boolean) the breaker} of the tree is open (the pressure monitor opens it at
 * CRITICAL), reservations on non-critical budgets are refused at once; critical budgets proceed.
 *
 * <h2>Thread-safety</h2>
 * Every method is thread-safe. A budget owns no memory: it only counts what its users reserve, and it is the
 * caller's job to release what it reserved (a {@link Reservation} does it on close).
 *
 * @since 0.1
 */
public final class MemoryBudget {
    private static final long WAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final String path;
    private final MemoryBudget parent;
    private final Root root;
    private final long limit;
    private final long guaranteed;
    private final boolean critical;
    private final AtomicLong used = new AtomicLong();
    // Bytes reserved on this budget itself (not through a child): what release(bytes) may give back, so a direct
    // release can never take back bytes a child holds and make the tree over-grant.
    private final AtomicLong direct = new AtomicLong();
    private final AtomicLong refusals = new AtomicLong();
    private final List<MemoryBudget> children = new CopyOnWriteArrayList<>();

    /** State shared by a whole tree: waiting, the breaker, the default timeout. */
    private static final class Root {
        final ReentrantLock lock = new ReentrantLock();
        final Condition released = lock.newCondition();
        final AtomicInteger waiters = new AtomicInteger();
        volatile boolean breakerOpen;
        final long timeoutNanos;

        Root(long timeoutNanos) {
            this.timeoutNanos = timeoutNanos;
        }
    }

    private MemoryBudget(String path, MemoryBudget parent, Root root, long limit, long guaranteed, boolean critical) {
        this.path = path;
        this.parent = parent;
        this.root = root;
        this.limit = limit;
        this.guaranteed = guaranteed;
        this.critical = critical;
    }

    /**
     * A root budget; reservations wait up to 10 s at the limit.
     *
     * @param name the root's name, the first segment of every path in the tree
     * @param limitBytes the process-wide limit, positive
     * @return the root
     */
    public static MemoryBudget root(String name, long limitBytes) {
        return root(name, limitBytes, Duration.ofSeconds(10));
    }

    /**
     * A root budget with the wait used by {@link #reserve(long)} at the limit.
     *
     * @param name the root's name
     * @param limitBytes the process-wide limit, positive
     * @param defaultTimeout how long {@link #reserve(long)} waits, zero or positive
     * @return the root
     */
    public static MemoryBudget root(String name, long limitBytes, Duration defaultTimeout) {
        checkName(name);
        if (defaultTimeout == null || defaultTimeout.isNegative()) {
            throw new IllegalArgumentException("defaultTimeout must be zero or positive: " + defaultTimeout);
        }
        return new MemoryBudget(name, null, new Root(Durations.saturatedNanos(defaultTimeout)), positive(limitBytes),
                0, true);
    }

    /**
     * A non-critical child with no guarantee.
     *
     * @param name the child's name (the last segment of its path)
     * @param limitBytes its limit; may exceed the parent's, but the parent's still applies
     * @return the child
     */
    public MemoryBudget child(String name, long limitBytes) {
        return child(name, limitBytes, 0, false);
    }

    /**
     * A child budget.
     *
     * @param name the child's name (the last segment of its path)
     * @param limitBytes its limit, positive
     * @param guaranteedBytes bytes set aside for it in every ancestor now, at most {@code limitBytes}
     * @param critical whether it may still reserve while the breaker is open
     * @return the child
     * @throws BudgetExceededException if an ancestor cannot set the guarantee aside
     */
    public MemoryBudget child(String name, long limitBytes, long guaranteedBytes, boolean critical) {
        checkName(name);
        positive(limitBytes);
        if (guaranteedBytes < 0 || guaranteedBytes > limitBytes) {
            throw new IllegalArgumentException("guaranteedBytes must be in [0, limitBytes]: " + guaranteedBytes);
        }
        MemoryBudget child = new MemoryBudget(path + "/" + name, this, root, limitBytes, guaranteedBytes, critical);
        if (guaranteedBytes > 0 && !tryCharge(guaranteedBytes)) {
            throw refusal(guaranteedBytes, "cannot set aside the guarantee of '" + child.path + "'");
        }
        children.add(child);
        return child;
    }

    /**
     * The '/'-separated names from the root to this budget.
     *
     * @return the path
     */
    public String path() {
        return path;
    }

    /**
     * This budget's own limit.
     *
     * @return limit in bytes
     */
    public long limit() {
        return limit;
    }

    /**
     * Bytes reserved on this budget and its descendants (including guarantees set aside for children).
     *
     * @return used bytes
     */
    public long used() {
        return used.get();
    }

    /**
     * Whether this budget may reserve while the breaker is open.
     *
     * @return true for critical budgets (the root is always critical)
     */
    public boolean critical() {
        return critical;
    }

    /**
     * Reservations this budget refused, ever.
     *
     * @return the count
     */
    public long refusals() {
        return refusals.get();
    }

    /**
     * The children created so far.
     *
     * @return an immutable snapshot
     */
    public List<MemoryBudget> children() {
        return List.copyOf(children);
    }

    /**
     * Reserves bytes if every limit on the path allows it now.
     *
     * @param bytes at least 0
     * @return true if reserved (release it later), false if refused
     */
    public boolean tryReserve(long bytes) {
        nonNegative(bytes);
        if (!critical && root.breakerOpen) {
            refused(bytes, "breaker");
            return false;
        }
        if (tryCharge(bytes)) {
            direct.addAndGet(bytes);
            return true;
        }
        refused(bytes, "limit");
        return false;
    }

    /**
     * Reserves bytes, waiting up to the tree's default timeout for releases.
     *
     * @param bytes at least 0
     * @return a handle that releases the bytes on close
     * @throws BudgetExceededException if refused after the wait, at once if the request exceeds a limit on its
     *         path outright or the breaker is open for this non-critical budget
     */
    public Reservation reserve(long bytes) {
        return reserve(bytes, root.timeoutNanos);
    }

    /**
     * Reserves bytes, waiting up to {@code timeout} for releases.
     *
     * @param bytes at least 0
     * @param timeout the longest wait
     * @return a handle that releases the bytes on close
     * @throws BudgetExceededException as for {@link #reserve(long)}
     */
    public Reservation reserve(long bytes, Duration timeout) {
        if (timeout == null || timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must be zero or positive: " + timeout);
        }
        return reserve(bytes, Durations.saturatedNanos(timeout));
    }

    private Reservation reserve(long bytes, long timeoutNanos) {
        nonNegative(bytes);
        for (MemoryBudget b = this; b != null; b = b.parent) {
            if (bytes > b.limit) {
                refused(bytes, "larger than the limit of '" + b.path + "'");
                throw b.refusal(bytes, "the request is larger than the limit");
            }
        }
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            if (!critical && root.breakerOpen) {
                refused(bytes, "breaker");
                throw refusal(bytes, "circuit breaker open (memory pressure CRITICAL); '" + path
                        + "' is not critical");
            }
            if (tryCharge(bytes)) {
                direct.addAndGet(bytes);
                return new Reservation(this, bytes);
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0 || Thread.currentThread().isInterrupted()) {
                refused(bytes, Thread.currentThread().isInterrupted() ? "interrupted" : "timeout");
                MemoryBudget full = fullest(bytes);
                throw full.refusal(bytes, Thread.currentThread().isInterrupted() ? "interrupted while waiting"
                        : "nothing was released within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
            }
            root.lock.lock();
            root.waiters.incrementAndGet();
            try {
                root.released.awaitNanos(Math.min(remaining, WAIT_SLICE_NANOS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                root.waiters.decrementAndGet();
                root.lock.unlock();
            }
        }
    }

    /**
     * Returns bytes reserved with {@link #tryReserve(long)} (a {@link Reservation} calls this itself).
     *
     * @param bytes at least 0, at most what this budget has reserved
     * @throws IllegalStateException if more is released than was reserved
     */
    public void release(long bytes) {
        nonNegative(bytes);
        long mine;
        do {
            mine = direct.get();
            if (mine < bytes) {
                throw new IllegalStateException("budget '" + path + "': releasing " + bytes + " bytes but only "
                        + mine + " were reserved on it directly (bytes a child reserved are released on the child)");
            }
        } while (!direct.compareAndSet(mine, mine - bytes));
        try {
            releaseDirect(bytes);
        } catch (RuntimeException e) {
            direct.addAndGet(bytes);
            throw e;
        }
    }

    private void releaseDirect(long bytes) {
        long floor = guaranteedFloor();
        if (guaranteed == 0) {
            long cur;
            do {
                cur = used.get();
                if (cur - bytes < floor) {
                    throw overRelease(bytes, cur, floor);
                }
            } while (!used.compareAndSet(cur, cur - bytes));
            if (parent != null) {
                parent.releaseCharged(bytes);
            }
        } else {
            synchronized (this) {
                long cur = used.get();
                if (cur - bytes < floor) {
                    throw overRelease(bytes, cur, floor);
                }
                releaseCharged(bytes);
            }
        }
        if (root.waiters.getOpaque() > 0) {
            root.lock.lock();
            try {
                root.released.signalAll();
            } finally {
                root.lock.unlock();
            }
        }
    }

    private IllegalStateException overRelease(long bytes, long cur, long floor) {
        return new IllegalStateException("budget '" + path + "': releasing " + bytes + " bytes but only "
                + (cur - floor) + " are reserved");
    }

    /** Releases bytes a child had charged here. */
    private void releaseCharged(long bytes) {
        if (guaranteed == 0) {
            used.addAndGet(-bytes);
            if (parent != null) {
                parent.releaseCharged(bytes);
            }
            return;
        }
        long toParent;
        synchronized (this) {
            long cur = used.get();
            toParent = chargeFor(cur) - chargeFor(cur - bytes);
            used.set(cur - bytes);
        }
        if (toParent > 0) {
            parent.releaseCharged(toParent);
        }
    }

    /** What this budget's parent is charged at a given usage. */
    private long chargeFor(long usage) {
        return Math.max(0, usage - guaranteed);
    }

    /** Charges {@code bytes} here within the limit and the due part to the ancestors; all or nothing. */
    private boolean tryCharge(long bytes) {
        if (guaranteed > 0) {
            synchronized (this) {
                long cur = used.get();
                if (cur + bytes > limit || cur + bytes < 0) {
                    return false;
                }
                long due = chargeFor(cur + bytes) - chargeFor(cur);
                if (due > 0 && !parent.tryCharge(due)) {
                    return false;
                }
                used.set(cur + bytes);
                return true;
            }
        }
        long cur;
        long next;
        do {
            cur = used.get();
            next = cur + bytes;
            if (next > limit || next < 0) {
                return false;
            }
        } while (!used.compareAndSet(cur, next));
        if (parent == null || parent.tryCharge(bytes)) {
            return true;
        }
        used.addAndGet(-bytes);
        return false;
    }

    /** A budget's own usage never drops below what is set aside for its children's guarantees. */
    private long guaranteedFloor() {
        long floor = 0;
        for (MemoryBudget c : children) {
            floor += c.guaranteed;
        }
        return floor;
    }

    /** The budget on the path with the least room for {@code bytes}, to name in a refusal. */
    private MemoryBudget fullest(long bytes) {
        MemoryBudget worst = this;
        for (MemoryBudget b = this; b != null; b = b.parent) {
            if (b.limit - b.used.get() < bytes && b.limit - b.used.get() < worst.limit - worst.used.get()) {
                worst = b;
            }
        }
        return worst;
    }

    /** Counts a refusal and reports it to JFR. */
    private void refused(long bytes, String reason) {
        refusals.incrementAndGet();
        MemkitEvents.budgetRefused(path, bytes, used.get(), limit, reason);
    }

    private BudgetExceededException refusal(long bytes, String why) {
        long u = used.get();
        return new BudgetExceededException("budget '" + path + "' cannot reserve " + ByteSize.format(bytes) + ": "
                + ByteSize.format(u) + " of its " + ByteSize.format(limit) + " limit in use (" + why + ")",
                path, bytes, u, limit);
    }

    /**
     * Opens or closes the circuit breaker of this budget's whole tree. While open, non-critical budgets refuse
     * every reservation at once. The pressure monitor drives this; applications may too.
     *
     * @param open whether to refuse non-critical reservations
     */
    public void setBreakerOpen(boolean open) {
        root.breakerOpen = open;
    }

    /**
     * Whether the tree's breaker is open.
     *
     * @return true while non-critical reservations are refused
     */
    public boolean breakerOpen() {
        return root.breakerOpen;
    }

    @Override
    public String toString() {
        return "MemoryBudget[" + path + ", " + ByteSize.format(used.get()) + " of " + ByteSize.format(limit)
                + (critical ? ", critical" : "") + "]";
    }

    private static void checkName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank() || name.contains("/")) {
            throw new IllegalArgumentException("budget name must be non-blank and contain no '/': '" + name + "'");
        }
    }

    private static long positive(long v) {
        if (v <= 0) {
            throw new IllegalArgumentException("limit must be positive: " + v);
        }
        return v;
    }

    private static void nonNegative(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes must not be negative: " + bytes);
        }
    }

    /**
     * Bytes reserved on a budget, released exactly once by {@link #close()}. Not thread-safe: one owner.
     */
    public static final class Reservation implements AutoCloseable {
        private final MemoryBudget budget;
        private final long bytes;
        private boolean released;

        Reservation(MemoryBudget budget, long bytes) {
            this.budget = budget;
            this.bytes = bytes;
        }

        /**
         * The reserved amount.
         *
         * @return bytes
         */
        public long bytes() {
            return bytes;
        }

        /**
         * Releases the bytes.
         *
         * @throws IllegalStateException if already released
         */
        @Override
        public void close() {
            if (released) {
                throw new IllegalStateException("reservation of " + bytes + " bytes on '" + budget.path
                        + "' released twice");
            }
            released = true;
            budget.release(bytes);
        }
    }
}
