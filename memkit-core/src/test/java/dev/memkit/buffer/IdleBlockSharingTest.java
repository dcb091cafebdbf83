package dev.memkit.buffer;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Idle blocks serve where they are needed: a class at its peak borrows an idle block of a class above (at most
 * twice the request) before it grows, and a thread-cache stripe gives back what its threads did not use.
 */
class IdleBlockSharingTest {

    private static BufferPoolStats.ClassStats classOf(BufferPool pool, long blockSize) {
        return pool.stats().classes().stream().filter(c -> c.blockSize() == blockSize).findFirst().orElseThrow();
    }

    @Test
    void aClassWithNoFreeBlockBorrowsAnIdleBiggerOneInsteadOfGrowing() {
        try (BufferPool pool = BufferPool.builder().threadCacheBytes(0).idleTimeout(Duration.ZERO).build()) {
            pool.acquire(1280).close(); // class 1280 now has one idle block on its depot
            long reserved = pool.stats().reservedBytes();
            long idle = classOf(pool, 1280).idleBytes(); // its slab's uncarved room included

            Buffer b = pool.acquire(1000); // class 1024 has nothing; 1280 <= 2 x 1000
            assertEquals(1000, b.size());
            for (int i = 0; i < 1000; i++) {
                b.putByte(i, (byte) i);
            }
            for (int i = 0; i < 1000; i++) {
                assertEquals((byte) i, b.getByte(i));
            }
            assertEquals(reserved, pool.stats().reservedBytes(), "no slab was added");
            assertEquals(0, classOf(pool, 1024).slabs());
            BufferPoolStats.ClassStats lender = classOf(pool, 1280);
            assertEquals(1, lender.leasedCount());
            assertEquals(280, lender.roundingWasteBytes(), "the borrowed block's extra bytes are rounding waste");

            b.close();
            assertEquals(idle, classOf(pool, 1280).idleBytes(), "the block goes back to its own class");
            assertEquals(0, pool.stats().roundingWasteBytes());
        }
    }

    @Test
    void noBlockMoreThanTwiceTheRequestIsBorrowed() {
        try (BufferPool pool = BufferPool.builder().threadCacheBytes(0).idleTimeout(Duration.ZERO).build()) {
            pool.acquire(1280).close();
            long idle = classOf(pool, 1280).idleBytes();
            try (Buffer b = pool.acquire(600)) { // class 640; the idle 1280 block is more than twice 600
                assertEquals(600, b.size());
                assertEquals(1, classOf(pool, 640).leasedCount());
                assertEquals(idle, classOf(pool, 1280).idleBytes());
            }
        }
    }

    @Test
    void borrowedBlocksNeverHaveTwoOwners() throws Exception {
        // Two neighbouring classes churned from several threads: every lease keeps the bytes it wrote.
        try (BufferPool pool = BufferPool.builder().threadCacheBytes(64L << 10).idleTimeout(Duration.ZERO).build()) {
            List<Thread> threads = new ArrayList<>();
            List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int t = 0; t < 4; t++) {
                int seed = t;
                threads.add(Thread.ofPlatform().start(() -> {
                    java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
                    Buffer[] ring = new Buffer[64];
                    try {
                        for (int step = 0; step < 20_000; step++) {
                            int i = rnd.nextInt(ring.length);
                            if (ring[i] != null) {
                                assertEquals((byte) ring[i].size(), ring[i].getByte(ring[i].size() - 1));
                                assertEquals((byte) ring[i].size(), ring[i].getByte(0));
                                ring[i].close();
                            }
                            long size = 900 + rnd.nextInt(1200); // classes 1024 to 2560
                            ring[i] = pool.acquire(size);
                            ring[i].putByte(0, (byte) size);
                            ring[i].putByte(size - 1, (byte) size);
                        }
                        for (Buffer b : ring) {
                            if (b != null) {
                                b.close();
                            }
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            assertTrue(failures.isEmpty(), () -> failures.toString());
            assertEquals(0, pool.stats().leasedBytes());
        }
    }

    @Test
    void aStripeGivesBackTheBlocksItsThreadsDidNotUse() {
        try (BufferPool pool = BufferPool.builder().idleTimeout(Duration.ZERO).build()) {
            List<Buffer> held = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                held.add(pool.acquire(1024));
            }
            held.forEach(Buffer::close);
            long cached = pool.stripeCache()[0];
            assertTrue(cached >= 32 * 1024, "released blocks are cached: " + cached);
            // Only 16-byte buffers from now on: each trim pass gives back half of the idle 1 KiB blocks.
            for (int i = 0; i < 4 * Stripe.TRIM_INTERVAL; i++) {
                pool.acquire(16).close();
            }
            long after = pool.stripeCache()[0];
            assertTrue(after <= cached / 4, "unused blocks went back to the depot: " + cached + " -> " + after);
        }
    }
}
