package dev.memkit.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One platform thread's idle objects for one {@link LocalPool}: a primary stack that {@code put} fills and a
 * victim stack that {@code get} falls back to, as in Go's {@code sync.Pool}.
 *
 * <p><b>Concurrency.</b> Only the owning thread pushes and pops, with plain accesses: the fast path has no atomic
 * instruction and no shared write. The ager (any thread, serialised by the pool) moves the generations by
 * swapping the two references: {@code victim = primary; primary = new stack} ({@code setRelease}); the owner
 * reads them with {@code getAcquire}. A stale owner may still push into a stack that just became the victim, or
 * one that was just dropped: the object then survives one more round or is dropped uncounted, never handed out
 * twice, because the ager never pops.
 *
 * <p><b>Lifetime.</b> Held strongly by the pool's thread table (or, for a thread whose table entry is taken, by
 * the pool's {@code ThreadLocal}) and weakly by the pool's registry. The ager drops table entries of dead threads
 * and the {@code ThreadLocal} dies with its thread, so a dead thread's cache and objects are garbage collected;
 * its {@link #counters} survive in the registry and are folded into the pool's totals.
 */
final class ThreadCache {
    private static final VarHandle PRIMARY;
    private static final VarHandle VICTIM;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            PRIMARY = l.findVarHandle(ThreadCache.class, "primary", IdleStack.class);
            VICTIM = l.findVarHandle(ThreadCache.class, "victim", IdleStack.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int capacity;
    /** The platform thread that owns this cache; final, so any thread reading it sees it set. */
    final Thread owner;
    @SuppressWarnings("unused") // accessed through PRIMARY
    private IdleStack primary;
    @SuppressWarnings("unused") // accessed through VICTIM
    private IdleStack victim;
    final Counters counters = new Counters();

    ThreadCache(int capacity, Thread owner) {
        this.capacity = capacity;
        this.owner = owner;
        PRIMARY.setRelease(this, new IdleStack(capacity));
    }

    IdleStack primary() {
        return (IdleStack) PRIMARY.getAcquire(this);
    }

    IdleStack victim() {
        return (IdleStack) VICTIM.getAcquire(this);
    }

    /**
     * One aging step, run by the ager: the victim generation is dropped and the primary becomes the victim (or,
     * with {@code dropAll}, both are dropped).
     *
     * @return the number of objects dropped (racy, for statistics)
     */
    int age(boolean dropAll) {
        IdleStack oldVictim = victim();
        IdleStack oldPrimary = primary();
        int dropped = oldVictim == null ? 0 : oldVictim.size;
        if (dropAll) {
            VICTIM.setRelease(this, (IdleStack) null);
            if (oldPrimary.size > 0) {
                dropped += oldPrimary.size;
                PRIMARY.setRelease(this, new IdleStack(capacity));
            }
        } else if (oldPrimary.size > 0) {
            VICTIM.setRelease(this, oldPrimary);
            PRIMARY.setRelease(this, new IdleStack(capacity));
        } else {
            VICTIM.setRelease(this, (IdleStack) null);
        }
        return dropped;
    }

    int idle() {
        IdleStack v = victim();
        return primary().size + (v == null ? 0 : v.size);
    }

    /**
     * Per-thread operation counts. Written by the owner only, with opaque stores (atomic, no fence); read by
     * {@code stats()} from any thread, so a snapshot may miss operations in flight.
     */
    static final class Counters {
        private static final VarHandle HITS;
        private static final VarHandle MISSES;
        private static final VarHandle PUTS;
        private static final VarHandle DROPPED;

        static {
            try {
                MethodHandles.Lookup l = MethodHandles.lookup();
                HITS = l.findVarHandle(Counters.class, "hits", long.class);
                MISSES = l.findVarHandle(Counters.class, "misses", long.class);
                PUTS = l.findVarHandle(Counters.class, "puts", long.class);
                DROPPED = l.findVarHandle(Counters.class, "dropped", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private long hits;
        private long misses;
        private long puts;
        private long dropped;

        void hit() {
            HITS.setOpaque(this, hits + 1);
        }

        void miss() {
            MISSES.setOpaque(this, misses + 1);
        }

        void put() {
            PUTS.setOpaque(this, puts + 1);
        }

        void dropped() {
            DROPPED.setOpaque(this, dropped + 1);
        }

        long hits() {
            return (long) HITS.getOpaque(this);
        }

        long misses() {
            return (long) MISSES.getOpaque(this);
        }

        long puts() {
            return (long) PUTS.getOpaque(this);
        }

        long droppedCount() {
            return (long) DROPPED.getOpaque(this);
        }
    }
}
