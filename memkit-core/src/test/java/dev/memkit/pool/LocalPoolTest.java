package dev.memkit.pool;

import dev.memkit.budget.PressureMonitor;
import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LocalPool behaviour beyond the contract: timed aging, pressure, thread lifecycles, concurrency. */
class LocalPoolTest {
    /** An object that knows its current holder, so two holders at once are caught. */
    static final class Owned {
        final AtomicReference<Object> holder = new AtomicReference<>();
    }

    @Test
    void builderRejectsBadSettings() {
        LocalPool.Builder<Object> b = LocalPool.builder(Object::new);
        assertThrows(IllegalArgumentException.class, () -> b.threadCacheSize(0));
        assertThrows(IllegalArgumentException.class, () -> b.sharedCapacity(0));
        assertThrows(IllegalArgumentException.class, () -> b.idleTimeout(Duration.ofNanos(10)));
        assertThrows(IllegalArgumentException.class, () -> b.idleTimeout(Duration.ofSeconds(-1)));
        assertThrows(IllegalArgumentException.class, () -> b.name(" "));
        assertThrows(NullPointerException.class, () -> LocalPool.builder(null));
    }

    @Test
    void idleObjectsAreDroppedAfterTheIdleTimeout() throws Exception {
        try (LocalPool<Object> pool = LocalPool.builder(Object::new).idleTimeout(Duration.ofMillis(5)).build()) {
            pool.put(pool.get());
            assertEquals(1, pool.stats().idle());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (pool.stats().idle() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(0, pool.stats().idle(), "the ager dropped the idle object");
            assertEquals(1, pool.stats().dropped());
        }
    }

    @Test
    void elevatedPressureAgesAndCriticalPressureClears() {
        try (PressureMonitor monitor = PressureMonitor.builder().thresholds(0.5, 0.8, 0.05).build();
             LocalPool<Object> pool = LocalPool.builder(Object::new).idleTimeout(Duration.ZERO)
                     .dropOnPressure(monitor).build()) {
            List<Object> out = List.of(pool.get(), pool.get(), pool.get());
            out.forEach(pool::put);
            monitor.submit(0.6, 0);                 // ELEVATED: one aging step, objects become victims
            assertEquals(3, pool.stats().idle());
            monitor.submit(0.1, 0);                 // back to NORMAL: nothing happens
            pool.put(pool.get());                   // rescue one
            monitor.submit(0.9, 0);                 // CRITICAL: everything goes
            assertEquals(0, pool.stats().idle());
            assertEquals(3, pool.stats().dropped());
        }
    }

    @Test
    void virtualThreadsLeaveNoPerThreadState() throws Exception {
        try (LocalPool<Object> pool = LocalPool.builder(Object::new).idleTimeout(Duration.ZERO).build()) {
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                threads.add(Thread.ofVirtual().start(() -> pool.put(pool.get())));
            }
            for (Thread t : threads) {
                t.join();
            }
            assertEquals(0, pool.registeredCaches(), "no thread cache for virtual threads");
            LocalPoolStats s = pool.stats();
            assertEquals(10_000, s.gets());
            assertTrue(s.hits() > 0, "virtual threads reuse objects through the depot: " + s);
        }
    }

    @Test
    void aDeadThreadsCacheIsCollectedButItsCountsRemain() throws Exception {
        try (LocalPool<Object> pool = LocalPool.builder(Object::new).idleTimeout(Duration.ZERO).build()) {
            AtomicReference<WeakReference<Object>> kept = new AtomicReference<>();
            Thread t = Thread.ofPlatform().start(() -> {
                Object o = pool.get();
                kept.set(new WeakReference<>(o));
                pool.put(o);
            });
            t.join();
            assertEquals(1, pool.registeredCaches());
            pool.age();                              // frees the dead thread's table entry
            for (int i = 0; i < 50 && kept.get().get() != null; i++) {
                System.gc();
                Thread.sleep(10);
            }
            assertNull(kept.get().get(), "the dead thread's idle object was garbage collected");
            pool.age();                              // prunes the collected registration
            assertEquals(0, pool.registeredCaches());
            LocalPoolStats s = pool.stats();
            assertEquals(1, s.gets());
            assertEquals(1, s.puts());
        }
    }

    @Test
    void theRegistryStaysBoundedWhilePlatformThreadsComeAndGo() throws Exception {
        try (LocalPool<Object> pool = LocalPool.builder(Object::new).idleTimeout(Duration.ZERO).build()) {
            for (int i = 0; i < 2_000; i++) {
                Thread t = Thread.ofPlatform().start(() -> pool.put(pool.get()));
                t.join();
                if (i % 500 == 0) {
                    System.gc();
                }
            }
            System.gc();
            for (int i = 0; i < 200; i++) {                       // registrations prune every 64th thread
                Thread t = Thread.ofPlatform().start(() -> pool.put(pool.get()));
                t.join();
            }
            assertTrue(pool.registeredCaches() < 1_000, "registry pruned: " + pool.registeredCaches());
            assertEquals(2_200, pool.stats().gets(), "counts of dead threads are kept");
        }
    }

    /**
     * Platform and virtual threads get objects, check that nobody else holds them, hand half of them to
     * another thread to put, while the pool ages every millisecond. Bounded by operation count and a cap.
     */
    @Test
    void noObjectIsEverHeldByTwoThreads() throws Exception {
        try (LocalPool<Owned> pool = LocalPool.builder(Owned::new).threadCacheSize(4).sharedCapacity(16)
                .idleTimeout(Duration.ofMillis(1)).build()) {
            int threads = 6;
            long cap = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            BlockingQueue<Owned> handoff = new ArrayBlockingQueue<>(64);
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            List<Thread> workers = new ArrayList<>();
            for (int w = 0; w < threads; w++) {
                Thread.Builder tb = w % 2 == 0 ? Thread.ofPlatform() : Thread.ofVirtual();
                workers.add(tb.start(() -> {
                    try {
                        Object me = new Object();
                        for (int i = 0; i < 50_000 && System.nanoTime() < cap; i++) {
                            Owned o = pool.get();
                            if (!o.holder.compareAndSet(null, me)) {
                                throw new AssertionError("object handed to two holders");
                            }
                            Thread.onSpinWait();
                            if (!o.holder.compareAndSet(me, null)) {
                                throw new AssertionError("holder changed while held");
                            }
                            if ((i & 1) == 0 && handoff.offer(o)) {
                                Owned other = handoff.poll();
                                if (other != null) {
                                    pool.put(other);
                                }
                            } else {
                                pool.put(o);
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
            assertTrue(failures.isEmpty(), () -> "failures: " + failures);
            LocalPoolStats s = pool.stats();
            assertEquals(s.hits() + s.misses(), s.gets());
            assertTrue(s.hits() > 0, s::toString);
        }
    }
}
