package dev.memkit.buffer;

import dev.memkit.internal.NativeHeap;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.concurrent.locks.LockSupport;

/**
 * Returns a pool's idle memory to the operating system, like Go's background scavenger.
 *
 * <p><b>Algorithm.</b> Every half idle period: reclaim leaked leases; flush thread-cache stripes untouched since
 * the previous pass; then free fully idle slabs that have been idle for the whole idle timeout, oldest first,
 * while the pool's idle bytes exceed the retained amount. When it freed at least {@link #NATIVE_TRIM_BYTES},
 * it asks the C heap to return free pages too ({@link NativeHeap#trim()}), because {@code free} alone keeps
 * small chunks resident.
 *
 * <p><b>Concurrency.</b> One daemon platform thread per pool, started with the pool's first slab and ended by
 * {@code close()}. It takes the same locks as the pool's slow paths, never a stripe lock it cannot get at once.
 */
final class Scavenger implements Runnable {
    static final long NATIVE_TRIM_BYTES = 4L << 20;

    private final String poolName;
    private final IdleMemory idle;
    private final BooleanSupplier poolClosed;
    final long retainedBytes;
    private final long idleNanos;
    private final boolean trimNative;
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile Thread thread;

    Scavenger(String poolName, IdleMemory idle, BooleanSupplier poolClosed, long retainedBytes, long idleNanos,
              boolean trimNative) {
        this.poolName = poolName;
        this.idle = idle;
        this.poolClosed = poolClosed;
        this.retainedBytes = retainedBytes;
        this.idleNanos = idleNanos;
        this.trimNative = trimNative;
    }

    void startIfNeeded() {
        if (!started.getOpaque() && started.compareAndSet(false, true)) {
            thread = Thread.ofPlatform().daemon().name("memkit-scavenger-" + poolName).start(this);
        }
    }

    String threadName() {
        Thread t = thread;
        return t == null ? "" : t.getName();
    }

    void stop() {
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    @Override
    public void run() {
        long period = Math.clamp(idleNanos / 2, TimeUnit.MILLISECONDS.toNanos(10), TimeUnit.SECONDS.toNanos(5));
        while (!poolClosed.getAsBoolean()) {
            LockSupport.parkNanos(this, period);
            if (poolClosed.getAsBoolean()) {
                return;
            }
            try {
                scavengeOnce();
            } catch (RuntimeException e) {
                BufferPool.log(System.Logger.Level.WARNING, "scavenger of pool '" + poolName + "' failed", e);
            }
        }
    }

    long scavengeOnce() {
        long freed = idle.scavenge(retainedBytes, idleNanos);
        if (poolClosed.getAsBoolean()) {
            // close() does not wait for a pass in progress: a block this pass held while close() freed the idle
            // slabs (decay purges blocks it takes off the stacks) would keep its slab alive; free it now.
            freed += idle.freeIdle(0, 0);
        }
        if (freed >= NATIVE_TRIM_BYTES) {
            trimNativeHeap();
        }
        return freed;
    }

    void trimNativeHeap() {
        if (trimNative) {
            NativeHeap.trim();
        }
    }
}
