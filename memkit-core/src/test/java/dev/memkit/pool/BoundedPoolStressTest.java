package dev.memkit.pool;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Platform and virtual threads contend for a small pool: each marks the object it holds, hands some leases to
 * another thread to release, and invalidates a few, while objects expire by use count. Any object held by two
 * threads, or more than capacity objects alive, fails the test. Bounded by operation count and a wall-clock cap.
 */
class BoundedPoolStressTest {
    static final class Res {
        final AtomicReference<Object> holder = new AtomicReference<>();
    }

    @Test
    void noObjectIsEverHeldByTwoThreadsAndCapacityHolds() throws Exception {
        int capacity = 4;
        AtomicInteger alive = new AtomicInteger();
        AtomicInteger maxAlive = new AtomicInteger();
        BoundedPool<Res> pool = BoundedPool.<Res>builder(() -> {
            maxAlive.accumulateAndGet(alive.incrementAndGet(), Math::max);
            return new Res();
        }).capacity(capacity).maxUses(50).onDestroy(r -> alive.decrementAndGet())
                .acquireTimeout(Duration.ofSeconds(30)).build();
        long cap = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        BlockingQueue<Lease<Res>> handoff = new ArrayBlockingQueue<>(2);
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < 6; w++) {
            Thread.Builder tb = w % 2 == 0 ? Thread.ofPlatform() : Thread.ofVirtual();
            workers.add(tb.start(() -> {
                Object me = new Object();
                try {
                    for (int i = 0; i < 20_000 && System.nanoTime() < cap; i++) {
                        Lease<Res> l = (i & 7) == 0 ? pool.tryAcquire().orElse(null) : pool.acquire();
                        if (l == null) {
                            continue;
                        }
                        Res r = l.get();
                        if (!r.holder.compareAndSet(null, me)) {
                            throw new AssertionError("object held by two threads");
                        }
                        if (!r.holder.compareAndSet(me, null)) {
                            throw new AssertionError("holder changed while held");
                        }
                        if ((i & 15) == 1) {
                            l.invalidate();
                        } else if ((i & 3) == 2 && handoff.offer(l)) {
                            Lease<Res> other = handoff.poll();
                            if (other != null) {
                                other.close();
                            }
                        } else {
                            l.close();
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        for (Thread t : workers) {
            t.join();
        }
        for (Lease<Res> l; (l = handoff.poll()) != null; ) {
            l.close();
        }
        assertTrue(failures.isEmpty(), () -> "failures: " + failures);
        assertTrue(maxAlive.get() <= capacity, "alive at once: " + maxAlive.get());
        BoundedPoolStats s = pool.stats();
        assertEquals(0, s.leased(), s::toString);
        pool.close();
        assertEquals(0, alive.get(), "every object destroyed after close");
        assertEquals(pool.stats().created(), pool.stats().destroyed());
    }
}
