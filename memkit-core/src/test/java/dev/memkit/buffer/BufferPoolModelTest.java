package dev.memkit.buffer;

import dev.memkit.leak.LeakDetection;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random acquire/release/trim sequences, checked step by step against a model of the live leases: the pool's
 * counts and bytes match the model (page release's view of big-lease demand too), its native footprint stays
 * within the limit and covers the leases, every lease still holds the pattern its holder wrote, and everything is
 * returned at the end.
 */
class BufferPoolModelTest {
    private static final long LIMIT = 64L << 20;

    record Op(int kind, long size, int pick) {}

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Long> sizes = Arbitraries.oneOf(
                Arbitraries.longs().between(1, 4096),
                Arbitraries.longs().between(4097, 1L << 20),
                Arbitraries.longs().between((1L << 20) + 1, 20L << 20));
        Arbitrary<Op> op = Combinators.combine(Arbitraries.integers().between(0, 9), sizes,
                Arbitraries.integers().between(0, 1000)).as(Op::new);
        return op.list().ofMinSize(1).ofMaxSize(150);
    }

    @Property(tries = 60)
    void statsFollowTheModel(@ForAll("ops") List<Op> ops, @ForAll boolean cached, @ForAll boolean coarse,
                             @ForAll boolean pageRelease) {
        try (BufferPool pool = BufferPool.builder().limitBytes(LIMIT).acquireTimeout(Duration.ZERO)
                .idleTimeout(Duration.ZERO).threadCacheBytes(cached ? 4L << 20 : 0)
                .sizeClasses(coarse ? SizeClasses.coarse() : SizeClasses.defaults())
                .pageRelease(pageRelease).leakDetection(LeakDetection.DISABLED).build()) {
            List<Buffer> live = new ArrayList<>();
            List<Long> patterns = new ArrayList<>();
            SizeClasses classes = pool.sizeClasses();
            long cacheShare = (cached ? 4L << 20 : 0) / 4; // classes above it bypass the stripes (see BufferPool)
            boolean releasing = pageRelease && dev.memkit.internal.PageRelease.available();
            long bigDemand = 0; // page-rounded bytes of live leases in page-releasing classes (BigBlockPages.leased)
            long liveBytes = 0;
            long acquires = 0;
            long stamp = 1;
            for (Op op : ops) {
                if (op.kind() < 6) {
                    var b = pool.tryAcquire(op.size());
                    if (b.isPresent()) {
                        Buffer buf = b.get();
                        long p = stamp++;
                        writePattern(buf, p);
                        live.add(buf);
                        patterns.add(p);
                        liveBytes += op.size();
                        bigDemand += bigDemand(classes, cacheShare, releasing, op.size());
                        acquires++;
                    } else {
                        assertTrue(pool.stats().reservedBytes() + op.size() > LIMIT / 2,
                                "refused only near the limit");
                    }
                } else if (op.kind() < 9 && !live.isEmpty()) {
                    int i = op.pick() % live.size();
                    Buffer buf = live.remove(i);
                    long p = patterns.remove(i);
                    checkPattern(buf, p);
                    liveBytes -= buf.size();
                    bigDemand -= bigDemand(classes, cacheShare, releasing, buf.size());
                    buf.close();
                } else {
                    pool.trim(op.pick() % 2 == 0 ? 0 : 1L << 20);
                }
                BufferPoolStats st = pool.stats();
                assertEquals(live.size(), st.leasedCount());
                assertEquals(liveBytes, st.leasedBytes());
                assertEquals(acquires, st.acquires());
                assertEquals(st.acquires(), st.hits() + st.misses());
                assertTrue(st.reservedBytes() <= LIMIT);
                assertTrue(st.reservedBytes() >= liveBytes);
                assertTrue(st.highWaterReservedBytes() >= st.reservedBytes());
                if (pool.pageHeap != null) {
                    pool.pageHeap.checkInvariants();
                    if (cached) { // runs in the thread caches count as taken from the heap too
                        assertTrue(pool.pageHeap.leasedBytes() >= bigDemand, "the page heap's view of the demand");
                    } else {
                        assertEquals(bigDemand, pool.pageHeap.leasedBytes(), "the page heap's view of the demand");
                    }
                    assertTrue(pool.pageHeap.highWaterBytes() >= bigDemand);
                    assertTrue(pool.pageHeap.idleBytes() <= st.idleBytes(), "the heap's idle pages within idle");
                } else {
                    assertEquals(0, bigDemand);
                }
                long classReserved = st.classes().stream().mapToLong(BufferPoolStats.ClassStats::reservedBytes).sum();
                assertTrue(classReserved <= st.reservedBytes(), "classes reserve " + classReserved + " of "
                        + st.reservedBytes());
            }
            for (int i = 0; i < live.size(); i++) {
                checkPattern(live.get(i), patterns.get(i));
                live.get(i).close();
            }
            pool.checkNoLeases();
            pool.trim(0);
            assertEquals(0, pool.stats().reservedBytes(), "every byte returned once nothing is leased");
        }
    }

    /** What a lease of {@code size} adds to the page heap's demand: if its class is served by the heap (at least
     * 64 KiB, page release on), its page-rounded size, or its class's size if the thread caches hold the class;
     * else nothing. */
    private static long bigDemand(SizeClasses classes, long cacheShare, boolean releasing, long size) {
        int c = classes.indexFor(size);
        if (!releasing || c < 0 || classes.size(c) < BufferPool.PAGED_CLASS_BYTES) {
            return 0;
        }
        return classes.size(c) > cacheShare ? dev.memkit.internal.PageRelease.pageUp(size) : classes.size(c);
    }

    static void writePattern(Buffer b, long pattern) {
        long n = b.size();
        for (long at = 0; at + 8 <= n; at += 4096) {
            b.putLong(at, pattern ^ at);
        }
        b.putByte(n - 1, (byte) pattern);
    }

    static void checkPattern(Buffer b, long pattern) {
        long n = b.size();
        for (long at = 0; at + 8 <= n - 1; at += 4096) {
            assertEquals(pattern ^ at, b.getLong(at), "lease overwritten by another holder at " + at);
        }
        assertEquals((byte) pattern, b.getByte(n - 1));
    }
}
