package dev.memkit.netty;

import dev.memkit.buffer.BufferPool;
import dev.memkit.leak.LeakDetection;
import dev.memkit.buffer.PoolExhaustedException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.concurrent.FastThreadLocalThread;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** memkit's direct buffers behave as Netty's own, and their memory is the pool's from first write to last release. */
class MemkitByteBufAllocatorTest {

    private static BufferPool pool() {
        return BufferPool.builder().name("netty-test").limitBytes(256L << 20).build();
    }

    /** One random operation on both buffers; returns what each returned, to compare. */
    private static Object[] step(SplittableRandom r, ByteBuf a, ByteBuf b) {
        int op = r.nextInt(16);
        int idx = a.capacity() > 8 ? r.nextInt(a.capacity() - 8) : 0;
        long v = r.nextLong();
        return switch (op) {
            case 0 -> new Object[] {a.writeByte((int) v).writerIndex(), b.writeByte((int) v).writerIndex()};
            case 1 -> new Object[] {a.writeInt((int) v).writerIndex(), b.writeInt((int) v).writerIndex()};
            case 2 -> new Object[] {a.writeLongLE(v).writerIndex(), b.writeLongLE(v).writerIndex()};
            case 3 -> {
                byte[] bytes = new byte[r.nextInt(3000)];
                r.nextBytes(bytes);
                yield new Object[] {a.writeBytes(bytes).writerIndex(), b.writeBytes(bytes).writerIndex()};
            }
            case 4 -> {
                String s = "héllo-" + v;
                yield new Object[] {a.writeCharSequence(s, StandardCharsets.UTF_8),
                    b.writeCharSequence(s, StandardCharsets.UTF_8)};
            }
            case 5 -> a.readableBytes() >= 8 ? new Object[] {a.readLong(), b.readLong()} : new Object[] {0, 0};
            case 6 -> a.readableBytes() >= 2 ? new Object[] {a.readShortLE(), b.readShortLE()} : new Object[] {0, 0};
            case 7 -> a.capacity() >= 9 ? new Object[] {a.setInt(idx, (int) v).getInt(idx), b.setInt(idx, (int) v).getInt(idx)}
                    : new Object[] {0, 0};
            case 8 -> new Object[] {a.discardReadBytes().readerIndex(), b.discardReadBytes().readerIndex()};
            case 9 -> {
                int more = r.nextInt(10_000);
                yield new Object[] {a.ensureWritable(more).capacity() >= a.writerIndex() + more,
                    b.ensureWritable(more).capacity() >= b.writerIndex() + more};
            }
            case 10 -> new Object[] {ByteBufUtil.hexDump(a), ByteBufUtil.hexDump(b)};
            case 11 -> new Object[] {a.slice().toString(StandardCharsets.ISO_8859_1),
                b.slice().toString(StandardCharsets.ISO_8859_1)};
            case 12 -> {
                ByteBuffer na = a.nioBuffer();
                ByteBuffer nb = b.nioBuffer();
                yield new Object[] {na, nb};
            }
            case 13 -> new Object[] {a.indexOf(a.readerIndex(), a.writerIndex(), (byte) v),
                b.indexOf(b.readerIndex(), b.writerIndex(), (byte) v)};
            case 14 -> a.readableBytes() > 4 ? new Object[] {a.skipBytes(3).readerIndex(), b.skipBytes(3).readerIndex()}
                    : new Object[] {0, 0};
            default -> {
                int cap = Math.max(a.writerIndex(), r.nextInt(20_000));
                yield new Object[] {a.capacity(cap).capacity(), b.capacity(cap).capacity()};
            }
        };
    }

    @Test
    void randomOperationsGiveWhatNettysOwnDirectBufferGives() {
        try (BufferPool pool = pool()) {
            MemkitByteBufAllocator alloc = new MemkitByteBufAllocator(pool);
            SplittableRandom seeds = new SplittableRandom(2026);
            for (int run = 0; run < 100; run++) {
                SplittableRandom r = seeds.split();
                int initial = r.nextInt(4096);
                ByteBuf a = alloc.directBuffer(initial);
                ByteBuf b = Unpooled.directBuffer(initial);
                try {
                    for (int i = 0; i < 120; i++) {
                        Object[] out = step(r, a, b);
                        assertEquals(out[1], out[0], "run " + run + " step " + i);
                        assertEquals(b.readerIndex(), a.readerIndex());
                        assertEquals(b.writerIndex(), a.writerIndex());
                        assertTrue(ByteBufUtil.equals(a, b), "run " + run + " step " + i);
                    }
                    assertEquals(pool.stats().leasedBytes(), a.capacity(), "the buffer's memory is one lease");
                } finally {
                    a.release();
                    b.release();
                }
            }
            pool.checkNoLeases();
        }
    }

    @Test
    void growthMovesToABiggerLeaseAndReleaseReturnsIt() {
        try (BufferPool pool = pool()) {
            MemkitByteBufAllocator alloc = new MemkitByteBufAllocator(pool);
            ByteBuf buf = alloc.buffer(100);
            assertTrue(buf.isDirect());
            buf.writeBytes(new byte[100]);
            buf.writeBytes(new byte[50_000]); // grows
            assertEquals(1, pool.stats().leasedCount());
            assertEquals(buf.capacity(), pool.stats().leasedBytes());
            assertTrue(alloc.metric().usedDirectMemory() >= buf.capacity());
            assertTrue(buf.toString().contains("netty-test"), buf.toString());
            buf.release();
            pool.checkNoLeases();
            ByteBuf empty = alloc.directBuffer(0);
            assertEquals(0, empty.capacity());
            empty.release();
        }
    }

    @Test
    void compositesOverPooledComponentsReleaseEveryLease() {
        try (BufferPool pool = pool()) {
            MemkitByteBufAllocator alloc = new MemkitByteBufAllocator(pool);
            CompositeByteBuf c = alloc.compositeDirectBuffer();
            for (int i = 0; i < 5; i++) {
                c.addComponent(true, alloc.directBuffer(1000).writeZero(1000));
            }
            assertEquals(5000, c.readableBytes());
            assertEquals(5, pool.stats().leasedCount());
            c.release();
            pool.checkNoLeases();
        }
    }

    @Test
    void anEventLoopThreadFailsFastWhereOtherThreadsWouldWait() throws Exception {
        try (BufferPool pool = BufferPool.builder().name("small").limitBytes(1L << 20)
                .acquireTimeout(Duration.ofMinutes(10)).build()) {
            MemkitByteBufAllocator alloc = new MemkitByteBufAllocator(pool);
            ByteBuf all = alloc.directBuffer(1 << 20);
            CompletableFuture<Throwable> onLoop = new CompletableFuture<>();
            new FastThreadLocalThread(() -> {
                try {
                    alloc.directBuffer(4096).release();
                    onLoop.complete(null);
                } catch (Throwable t) {
                    onLoop.complete(t);
                }
            }).start();
            // Bounded wait for the outcome: a thread that waited for memory would still be waiting ten minutes on.
            assertInstanceOf(PoolExhaustedException.class, onLoop.get(60, TimeUnit.SECONDS));
            all.release();
            pool.checkNoLeases();
        }
    }

    @Test
    void aLeakedByteBufIsReportedAndItsMemoryNeverGetsASecondOwner() throws Exception {
        ResourceLeakDetector.Level before = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        try (BufferPool pool = BufferPool.builder().name("leaky").leakDetection(LeakDetection.ALL).build()) {
            MemkitByteBufAllocator alloc = new MemkitByteBufAllocator(pool);
            long address = leak(alloc);
            List<ByteBuf> later = new ArrayList<>();
            for (int i = 0; i < 200 && pool.stats().leaksDetected() == 0; i++) {
                System.gc();
                Thread.sleep(10);
                later.add(alloc.directBuffer(4096)); // allocations poll both leak detectors
            }
            assertTrue(pool.stats().leaksDetected() >= 1, pool.stats().toString());
            assertEquals(pool.stats().leaksDetected(), pool.stats().leaksQuarantined(), "views were taken: quarantined");
            for (ByteBuf b : later) {
                assertTrue(address(b) != address, "no second owner");
                b.release();
            }
        } finally {
            ResourceLeakDetector.setLevel(before);
        }
    }

    private static long leak(MemkitByteBufAllocator alloc) {
        return address(alloc.directBuffer(4096).writeLong(42));
    }

    private static long address(ByteBuf b) {
        return java.lang.foreign.MemorySegment.ofBuffer(b.nioBuffer(0, b.capacity())).address();
    }
}
