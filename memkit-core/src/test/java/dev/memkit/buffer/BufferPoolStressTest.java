package dev.memkit.buffer;

import dev.memkit.leak.LeakDetection;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Threads acquire random sizes, stamp their lease with their own id, hand half of them to other threads, and
 * verify the stamp before release: any block handed to two holders at once, or overlapping another, breaks a
 * stamp. A tight limit makes threads wait on each other. Bounded by operation count and a wall-clock cap.
 */
class BufferPoolStressTest {
    private static final int THREADS = 6;
    private static final int OPS_PER_THREAD = 20_000;
    private static final long CAP_NANOS = TimeUnit.SECONDS.toNanos(20);

    @Test
    void noBlockIsEverSharedByTwoHolders() throws Exception {
        run(BufferPool.builder().name("stress").limitBytes(48L << 20).acquireTimeout(Duration.ofSeconds(30))
                .idleTimeout(Duration.ofMillis(20)).retainedBytes(0).leakDetection(LeakDetection.SAMPLED), false, 0);
    }

    /**
     * One lease in 64 is dropped unreleased while the GC runs every few milliseconds: every leak must be counted and
     * reclaimed, and a reclaimed block must never reach a new holder while an old one still uses it (stamps).
     */
    @Test
    void leaksUnderLoadAreAllReclaimedAndNeverHandedOutTwice() throws Exception {
        run(BufferPool.builder().name("stress-leaky").limitBytes(48L << 20).acquireTimeout(Duration.ofSeconds(30))
                .idleTimeout(Duration.ofMillis(20)).retainedBytes(0).leakListener(r -> { }), false, 64);
    }

    @Test
    void virtualThreadsShareStripesSafely() throws Exception {
        run(BufferPool.builder().name("stress-virtual").limitBytes(48L << 20)
                .acquireTimeout(Duration.ofSeconds(30)).stripes(2), true, 0);
    }

    private void run(BufferPoolBuilder builder, boolean virtual, int leakOneIn) throws Exception {
        try (BufferPool pool = builder.build()) {
            BlockingQueue<Object[]> handoff = new ArrayBlockingQueue<>(64);
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            AtomicLong verified = new AtomicLong();
            AtomicLong leaked = new AtomicLong();
            long deadline = System.nanoTime() + CAP_NANOS;
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int id = t;
                Runnable work = () -> {
                    try {
                        SplittableRandom rnd = new SplittableRandom(id);
                        for (int i = 0; i < OPS_PER_THREAD && System.nanoTime() < deadline; i++) {
                            long size = 1L << rnd.nextInt(23);
                            size += rnd.nextLong(size);
                            long stamp = ((long) id << 48) | i;
                            Buffer b = pool.acquire(size);
                            BufferPoolModelTest.writePattern(b, stamp);
                            if (leakOneIn > 0 && rnd.nextInt(leakOneIn) == 0) {
                                leaked.incrementAndGet(); // dropped: only the GC can give it back
                                if (leaked.get() % 16 == 0) {
                                    System.gc();
                                }
                            } else if (rnd.nextBoolean() && handoff.offer(new Object[] {b, stamp})) {
                                // another thread verifies and releases it
                            } else {
                                BufferPoolModelTest.checkPattern(b, stamp);
                                b.close();
                                verified.incrementAndGet();
                            }
                            Object[] other = handoff.poll();
                            if (other != null) {
                                Buffer ob = (Buffer) other[0];
                                BufferPoolModelTest.checkPattern(ob, (Long) other[1]);
                                ob.close();
                                verified.incrementAndGet();
                            }
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                };
                threads.add(virtual ? Thread.ofVirtual().start(work) : Thread.ofPlatform().start(work));
            }
            for (Thread t : threads) {
                t.join(TimeUnit.NANOSECONDS.toMillis(CAP_NANOS) + 30_000);
            }
            for (Object[] rest; (rest = handoff.poll()) != null; ) {
                BufferPoolModelTest.checkPattern((Buffer) rest[0], (Long) rest[1]);
                ((Buffer) rest[0]).close();
                verified.incrementAndGet();
            }
            if (!failures.isEmpty()) {
                AssertionError e = new AssertionError("stress failures: " + failures.size());
                failures.forEach(e::addSuppressed);
                throw e;
            }
            for (long end = System.nanoTime() + 10_000_000_000L;
                    pool.stats().leaksDetected() < leaked.get() && System.nanoTime() < end; ) {
                System.gc();
                Thread.sleep(10);
            }
            BufferPoolStats st = pool.stats();
            assertTrue(verified.get() > 0);
            assertEquals(leaked.get(), st.leaksDetected(), "every dropped lease found");
            assertEquals(st.acquires(), verified.get() + leaked.get(), "every lease verified and released once");
            assertEquals(0, st.leasedCount());
            assertEquals(0, st.leasedBytes());
            assertTrue(st.highWaterReservedBytes() <= 48L << 20, "limit held under concurrency");
            assertTrue(st.crossThreadReleases() > 0);
            pool.checkNoLeases();
        }
    }
}
