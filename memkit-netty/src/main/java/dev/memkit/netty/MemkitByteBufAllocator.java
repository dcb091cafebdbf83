package dev.memkit.netty;

import dev.memkit.buffer.Buffer;
import dev.memkit.buffer.BufferPool;
import dev.memkit.buffer.PoolExhaustedException;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.util.concurrent.FastThreadLocalThread;
import io.netty.util.internal.CleanableDirectBuffer;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.time.Duration;

/**
 * A Netty {@code ByteBufAllocator} whose direct buffers come from a memkit {@link BufferPool}, and so from its limit,
 * its budget and its leak tracking. Use it wherever Netty takes an allocator:
 *
 * <pre>{@code
 * BufferPool pool = memory.newBufferPool("netty", 512L << 20, p -> p);
 * bootstrap.option(ChannelOption.ALLOCATOR, new MemkitByteBufAllocator(pool))
 *          .childOption(ChannelOption.ALLOCATOR, new MemkitByteBufAllocator(pool));
 * }</pre>
 *
 * <p><b>Memory.</b> A direct buffer's memory is a lease of exactly its capacity from the pool; Netty's last
 * {@code release()} gives it back. Growing a buffer ({@code ensureWritable}, {@code capacity(int)}) takes a lease of
 * the new size, copies, and returns the old one. Composite buffers are Netty's own, over components from this
 * allocator. Heap buffers are Netty's unpooled ones ({@code byte[]}): the pool manages native memory only.
 *
 * <p><b>Event loops never block.</b> On a Netty event-loop thread (any {@link FastThreadLocalThread}) an allocation
 * the pool cannot serve at once fails fast with {@link PoolExhaustedException}; on other threads it waits up to the
 * pool's acquire timeout, as {@link BufferPool#acquire(long)} does. Memory pressure reaches the pool as for any
 * memkit pool (a {@code MemoryManager} trims its pools at ELEVATED pressure).
 *
 * <p><b>Leaks.</b> Netty's {@code ResourceLeakDetector} wraps these buffers as it does any allocator's. A
 * {@code ByteBuf} dropped without its last release is also a leaked memkit lease: reported by the pool, and since
 * Netty took a {@code ByteBuffer} view of it, its memory is quarantined, never given a second owner.
 *
 * <p>Thread-safe, like the pool.
 *
 * @since 0.1
 */
public final class MemkitByteBufAllocator extends AbstractByteBufAllocator implements ByteBufAllocatorMetricProvider {
    private static final ByteBuffer EMPTY = ByteBuffer.allocateDirect(0);
    private final BufferPool pool;
    private final ByteBufAllocatorMetric metric = new ByteBufAllocatorMetric() {
        @Override
        public long usedHeapMemory() {
            return -1; // heap buffers are Netty's own, not tracked by memkit
        }

        @Override
        public long usedDirectMemory() {
            return pool.reservedBytes();    // one atomic read: metrics poll this often
        }

        @Override
        public String toString() {
            return "MemkitByteBufAllocatorMetric(pool: " + pool.name() + ", usedDirectMemory: " + usedDirectMemory()
                    + ")";
        }
    };

    /**
     * An allocator over {@code pool}; direct buffers are preferred, as Netty's own pooled allocator does.
     *
     * @param pool where direct memory comes from; the allocator does not own it (close the pool yourself)
     */
    public MemkitByteBufAllocator(BufferPool pool) {
        super(true);
        this.pool = Objects.requireNonNull(pool, "pool");
    }

    /**
     * The pool behind the direct buffers.
     *
     * @return the pool
     */
    public BufferPool pool() {
        return pool;
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        return toLeakAwareBuffer(new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity));
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        return toLeakAwareBuffer(new PooledDirect(this, initialCapacity, maxCapacity));
    }

    @Override
    public boolean isDirectBufferPooled() {
        return true;
    }

    @Override
    public ByteBufAllocatorMetric metric() {
        return metric;
    }

    @Override
    public String toString() {
        return "MemkitByteBufAllocator(pool: " + pool.name() + ")";
    }

    /** A lease of {@code capacity} bytes as Netty's cleanable buffer: failing fast on an event loop. */
    CleanableDirectBuffer lease(int capacity) {
        if (capacity == 0) {
            return new Lease(null, EMPTY.duplicate());
        }
        // On an event loop, no wait: the pool frees what it can without waiting, then throws its own exhaustion.
        Buffer b = Thread.currentThread() instanceof FastThreadLocalThread
                ? pool.acquire(capacity, Duration.ZERO) : pool.acquire(capacity);
        return new Lease(b, b.byteBuffer());
    }

    /** A lease seen by Netty: its view, and the lease to close when Netty frees it. */
    private record Lease(Buffer lease, ByteBuffer buffer) implements CleanableDirectBuffer {
        @Override
        public void clean() {
            if (lease != null) {
                lease.close();
            }
        }
    }

    /** Netty's direct buffer, with its memory leased from the pool. */
    private static final class PooledDirect extends UnpooledDirectByteBuf {
        PooledDirect(MemkitByteBufAllocator alloc, int initialCapacity, int maxCapacity) {
            super(alloc, initialCapacity, maxCapacity);
        }

        @Override
        protected CleanableDirectBuffer allocateDirectBuffer(int capacity) {
            return ((MemkitByteBufAllocator) alloc()).lease(capacity);
        }

        @Override
        public String toString() {
            return "MemkitByteBuf(pool: " + ((MemkitByteBufAllocator) alloc()).pool.name() + ", "
                    + super.toString().substring(super.toString().indexOf('(') + 1);
        }
    }
}
