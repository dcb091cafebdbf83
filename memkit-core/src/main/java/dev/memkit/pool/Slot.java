package dev.memkit.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One place in a {@link BoundedPool}: at most one object, and the state that says who may touch it.
 *
 * <pre>
 *   state (64 bits)
 *   +---------------------------------------------------------------+----+
 *   |                   generation (62 bits)                        | st |
 *   +---------------------------------------------------------------+----+
 *   st: 0 FREE      idle (object present or not), claimable by CAS
 *       1 CLAIMED   leased; the lease's stamp is this exact word
 *       2 BUSY      held by one releaser, leak recoverer or closer while it runs hooks
 *       3 CLOSED    terminal (pool closed, object destroyed)
 *
 *   FREE(g) --claim CAS--> CLAIMED(g) --release CAS--> BUSY(g) --setVolatile--> FREE(g+1) or CLOSED
 * </pre>
 *
 * <p><b>Ownership.</b> The non-state fields belong to whoever moved the state out of FREE (the claimant) or out
 * of CLAIMED (the releaser); they are published to the next owner by the {@code setVolatile} that frees the slot
 * and the CAS that claims it. The generation makes every lease's stamp unique, so a stale lease can never
 * release, read or recover a later lease of the same slot.
 *
 * <p>Padding on both sides (through the class hierarchy, whose fields the JVM lays out first) keeps two slots'
 * states off one cache line, so threads using different slots do not slow each other down.
 */
final class Slot extends SlotFields {
    long q0, q1, q2, q3, q4, q5, q6, q7;

    static final int FREE = 0;
    static final int CLAIMED = 1;
    static final int BUSY = 2;
    static final int CLOSED = 3;
    static final long CLOSED_STATE = CLOSED;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(SlotFields.class, "state", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final int index;

    Slot(int index) {
        this.index = index;
    }

    static int kind(long state) {
        return (int) state & 3;
    }

    static long withKind(long state, int kind) {
        return (state & ~3L) | kind;
    }

    /** The FREE state of the next generation. */
    static long nextFree(long state) {
        return (state & ~3L) + 4;
    }

    long state() {
        return (long) STATE.getAcquire(this);
    }

    boolean cas(long expected, long next) {
        return STATE.compareAndSet(this, expected, next);
    }

    /** Sequentially consistent, so a releaser's following read of the waiter count cannot move above it. */
    void publish(long next) {
        STATE.setVolatile(this, next);
    }
}

/** Leading padding of a {@link Slot}. */
abstract class SlotPad {
    long p0, p1, p2, p3, p4, p5, p6, p7;
}

/** The fields of a {@link Slot}, between its two paddings. */
abstract class SlotFields extends SlotPad {
    /** Only ever accessed through {@code Slot.STATE} (package-private so that handle can reach it). */
    long state;
    /**
     * The idle object, owned by the slot's current holder (see {@link Slot}). Null when the slot has no object and
     * while the object is leased: the lease then holds the only strong reference, which is what lets the GC
     * report a leaked lease through {@link #tracker}.
     */
    Object object;
    /** The stamp of the current claim; owned by the holder. */
    long stamp;
    long createdNanos;
    long uses;
    /** Watches the current object for leaks; null when leaks are not watched or there is no object. */
    ObjectTracker tracker;
    /** Where the current lease was acquired, when sampled; null otherwise. */
    Throwable site;
    /** Acquires of this slot left until the next sampled site. */
    int sampleCountdown;
}
