package dev.memkit.buffer;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Idle memory above the retained amount goes back to the OS in the background, and only that. */
class ScavengerTest {

    @Test
    void idleMemoryAboveTheRetainedAmountIsReturned() throws Exception {
        long retained = 4L << 20;
        try (BufferPool pool = BufferPool.builder().idleTimeout(Duration.ofMillis(50)).retainedBytes(retained)
                .build()) {
            List<Buffer> held = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                held.add(pool.acquire(512L << 10));
            }
            assertTrue(pool.stats().reservedBytes() >= 32L << 20);
            held.forEach(Buffer::close);
            long deadline = System.nanoTime() + 10_000_000_000L; // bounded wait, not a timing assertion
            while (pool.stats().reservedBytes() > retained && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            BufferPoolStats st = pool.stats();
            assertTrue(st.reservedBytes() <= retained, "scavenged down to the retained amount: " + st);
            assertTrue(st.reservedBytes() > 0, "the retained amount is kept for reuse");
            assertTrue(pool.scavengerThreadName().startsWith("memkit-scavenger-"));
        }
    }

    @Test
    void busyMemoryIsNeverScavenged() throws Exception {
        try (BufferPool pool = BufferPool.builder().idleTimeout(Duration.ofMillis(10)).retainedBytes(0).build()) {
            List<Buffer> held = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                held.add(pool.acquire(1L << 20));
                held.getLast().putLong(0, i);
            }
            long reserved = pool.stats().reservedBytes();
            Thread.sleep(200);
            assertEquals(reserved, pool.stats().reservedBytes());
            for (int i = 0; i < held.size(); i++) {
                assertEquals(i, held.get(i).getLong(0));
                held.get(i).close();
            }
        }
    }

    @Test
    void cachesFollowNoThreadAndComeBackOnceThreadsStopAllocating() throws Exception {
        long stripeBytes = 1L << 20;
        try (BufferPool pool = BufferPool.builder().idleTimeout(Duration.ofMillis(50)).retainedBytes(0)
                .threadCacheBytes(stripeBytes).build()) {
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 400; t++) { // short-lived virtual threads, each caching what it releases
                threads.add(Thread.ofVirtual().start(() -> {
                    List<Buffer> mine = new ArrayList<>();
                    for (int i = 0; i < 20; i++) {
                        mine.add(pool.acquire(1 + (i * 997) % 16_000));
                    }
                    mine.forEach(Buffer::close);
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            long[] cache = pool.stripeCache();
            // Caches belong to a fixed set of stripes, not to threads: 400 dead threads left no more than the
            // stripes can hold.
            assertTrue(cache[0] <= cache[1] * stripeBytes, "cached " + cache[0] + " in " + cache[1] + " stripes");
            long deadline = System.nanoTime() + 10_000_000_000L; // bounded wait, not a timing assertion
            while ((pool.stripeCache()[0] > 0 || pool.stats().reservedBytes() > 0) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(0, pool.stripeCache()[0], "idle stripes flushed once nobody allocates");
            assertEquals(0, pool.stats().reservedBytes(), "and their memory returned: " + pool.stats());
        }
    }
}
