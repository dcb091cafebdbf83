package dev.memkit.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * A padded try-lock word for striped caches (the buffer pool's thread-cache stripes, the object pool's depot
 * stripes). Subclasses add the state the lock guards.
 *
 * <p><b>Concurrency.</b> {@link #tryLock} is a CAS ({@code compareAndExchangeAcquire}), {@link #unlock} a
 * {@code setRelease}. Fast paths only ever try; {@link #lock} is for rare maintenance that must visit every stripe.
 * Padding on both sides keeps neighbouring stripes' lock words off one cache line (JCTools-style).
 */
public abstract class TryLock {
    private static final VarHandle LOCK;

    static {
        try {
            LOCK = MethodHandles.lookup().findVarHandle(TryLock.class, "lock", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    long p00, p01, p02, p03, p04, p05, p06, p07;
    @SuppressWarnings("unused") // accessed through LOCK
    private int lock;
    long p10, p11, p12, p13, p14, p15, p16, p17;

    /** For subclasses. */
    protected TryLock() {
    }

    /**
     * Takes the lock if it is free.
     *
     * @return true if the caller now holds it
     */
    public final boolean tryLock() {
        return (int) LOCK.compareAndExchangeAcquire(this, 0, 1) == 0;
    }

    /**
     * Blocking acquire for the rare paths that must visit every stripe. It backs off to {@code yield} and then
     * {@code parkNanos} rather than spinning forever: the holder may be a virtual thread unmounted while blocked,
     * and it can only be remounted if carriers are free.
     */
    public final void lock() {
        for (int spins = 0; !tryLock(); spins++) {
            if (spins < 64) {
                Thread.onSpinWait();
            } else if (spins < 128) {
                Thread.yield();
            } else {
                LockSupport.parkNanos(10_000);
            }
        }
    }

    /** Releases the lock; only the holder may call this. */
    public final void unlock() {
        LOCK.setRelease(this, 0);
    }
}
