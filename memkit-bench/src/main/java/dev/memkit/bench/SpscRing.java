package dev.memkit.bench;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A bounded single-producer single-consumer ring for the hand-off benchmark: no locks and no allocation, so the
 * benchmark measures the allocators rather than the queue. Indices are published with setRelease and read with
 * getAcquire.
 */
final class SpscRing {
    private static final VarHandle HEAD;
    private static final VarHandle TAIL;
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(Object[].class);

    static {
        try {
            HEAD = MethodHandles.lookup().findVarHandle(SpscRing.class, "head", long.class);
            TAIL = MethodHandles.lookup().findVarHandle(SpscRing.class, "tail", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Object[] slots;
    private final int mask;
    @SuppressWarnings("unused") // through HEAD
    private long head;          // next slot to poll, written by the consumer
    long p1, p2, p3, p4, p5, p6, p7;
    @SuppressWarnings("unused") // through TAIL
    private long tail;          // next slot to fill, written by the producer

    SpscRing(int capacityPowerOfTwo) {
        slots = new Object[capacityPowerOfTwo];
        mask = capacityPowerOfTwo - 1;
    }

    /** Producer only. */
    boolean offer(Object o) {
        long t = (long) TAIL.getOpaque(this);
        if (t - (long) HEAD.getAcquire(this) == slots.length) {
            return false;
        }
        SLOTS.setRelease(slots, (int) t & mask, o);
        TAIL.setRelease(this, t + 1);
        return true;
    }

    /** Consumer only. */
    Object poll() {
        long h = (long) HEAD.getOpaque(this);
        if (h == (long) TAIL.getAcquire(this)) {
            return null;
        }
        int i = (int) h & mask;
        Object o = SLOTS.getAcquire(slots, i);
        SLOTS.setRelease(slots, i, null);
        HEAD.setRelease(this, h + 1);
        return o;
    }
}
