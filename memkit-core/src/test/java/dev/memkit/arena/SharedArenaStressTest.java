package dev.memkit.arena;

import dev.memkit.buffer.BufferPool;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Threads allocate concurrently from one shared arena, stamp each segment with their id and verify every stamp
 * before the round ends; rounds are separated by a barrier and a reset. Bounded by round count and time.
 */
class SharedArenaStressTest {
    @Test
    void concurrentAllocationsNeverOverlap() throws Exception {
        int threads = 4;
        int rounds = 40;
        try (BufferPool pool = BufferPool.builder().build();
             RegionArena arena = RegionArena.builder(pool).shared(true).zeroing(false).build()) {
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            CyclicBarrier endOfRound = new CyclicBarrier(threads, arena::reset);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t + 1;
                workers.add(Thread.ofPlatform().start(() -> {
                    SplittableRandom rnd = new SplittableRandom(id);
                    try {
                        for (int r = 0; r < rounds && System.nanoTime() < deadline; r++) {
                            List<MemorySegment> mine = new ArrayList<>();
                            for (int i = 0; i < 200; i++) {
                                MemorySegment s = arena.allocate(8 + rnd.nextInt(3000), 8);
                                s.fill((byte) id);
                                mine.add(s);
                            }
                            for (MemorySegment s : mine) {
                                for (long at = 0; at < s.byteSize(); at += 97) {
                                    if (s.get(ValueLayout.JAVA_BYTE, at) != id) {
                                        throw new AssertionError("thread " + id + " found a foreign stamp");
                                    }
                                }
                            }
                            endOfRound.await(30, TimeUnit.SECONDS);
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                        endOfRound.reset();
                    }
                }));
            }
            for (Thread w : workers) {
                w.join();
            }
            if (!failures.isEmpty()) {
                AssertionError e = new AssertionError("failures: " + failures.size());
                failures.forEach(e::addSuppressed);
                throw e;
            }
            assertEquals(rounds, arena.stats().resets());
        }
    }
}
