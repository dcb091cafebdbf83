package dev.memkit.buffer;

import dev.memkit.budget.MemoryBudget;
import dev.memkit.region.Charge;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The native bytes a pool holds, against its limit and its budget, and the waiting of acquires at the limit.
 *
 * <p><b>Algorithm.</b> {@link #tryReserve} CASes {@code reserved} up within the limit, then asks the budget's
 * {@link Charge} (one that always agrees without a budget); a refusal undoes the increment. Bytes come back through {@link #unreserve} when a slab or dedicated block
 * is freed. An acquire that finds no room waits on {@link #await} in slices of {@value #WAIT_SLICE_MILLIS} ms,
 * so a release that signals nobody (one into a thread cache) is still noticed.
 *
 * <p><b>Concurrency.</b> {@code reserved} and {@code highWater} are atomics. {@code waiters} is read with
 * {@code getOpaque} on every free: a missed signal costs a waiter at most one slice.
 */
final class PoolLimit {
    static final long WAIT_SLICE_MILLIS = 10;

    /** What a wait ended with. */
    enum Wait { RETRY, TIMED_OUT, INTERRUPTED }

    final long limit;
    final Charge charge;             // charged for every native byte held (Charge.NONE without a budget)
    final AtomicLong reserved = new AtomicLong();
    final AtomicLong highWater = new AtomicLong();
    private final ReentrantLock waitLock = new ReentrantLock();
    private final Condition spaceFreed = waitLock.newCondition();
    private final AtomicInteger waiters = new AtomicInteger();

    PoolLimit(long limit, MemoryBudget budget) {
        this.limit = limit;
        this.charge = Charge.of(budget);
    }

    boolean tryReserve(long bytes) {
        long cur;
        do {
            cur = reserved.get();
            if (cur + bytes > limit || cur + bytes < 0) {
                return false;
            }
        } while (!reserved.compareAndSet(cur, cur + bytes));
        if (!charge.tryTake(bytes)) {
            reserved.addAndGet(-bytes);
            return false;
        }
        highWater.accumulateAndGet(cur + bytes, Math::max);
        return true;
    }

    void unreserve(long bytes) {
        reserved.addAndGet(-bytes);
        charge.give(bytes);
        signalSpace();
    }

    void signalSpace() {
        if (waiters.getOpaque() > 0) {
            waitLock.lock();
            try {
                spaceFreed.signalAll();
            } finally {
                waitLock.unlock();
            }
        }
    }

    /** Waits one slice for a release, unless the deadline passed or the thread is interrupted. */
    Wait await(long deadlineNanos) {
        long remaining = deadlineNanos - System.nanoTime();
        if (Thread.currentThread().isInterrupted()) {
            return Wait.INTERRUPTED;
        }
        if (remaining <= 0) {
            return Wait.TIMED_OUT;
        }
        waitLock.lock();
        waiters.incrementAndGet();
        try {
            spaceFreed.awaitNanos(Math.min(remaining, TimeUnit.MILLISECONDS.toNanos(WAIT_SLICE_MILLIS)));
            return Wait.RETRY;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Wait.INTERRUPTED;
        } finally {
            waiters.decrementAndGet();
            waitLock.unlock();
        }
    }
}
