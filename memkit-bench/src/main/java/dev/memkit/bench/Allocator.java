package dev.memkit.bench;

import dev.memkit.buffer.Buffer;
import dev.memkit.buffer.BufferPool;
import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * One allocator under test, behind the three operations every benchmark needs. Each benchmark fork uses one
 * implementation, so the calls stay monomorphic. Handles are {@code Object}s; {@link #write} touches memory
 * through the allocator's own idiomatic accessor.
 */
abstract class Allocator implements AutoCloseable {
    abstract Object acquire(int size);

    abstract void write(Object handle, long offset, byte value);

    abstract void release(Object handle);

    /** What the allocator holds now, for a trace's report; empty when it cannot say. */
    String describe() {
        return "";
    }

    @Override
    public void close() {}

    static Allocator create(String name) {
        return switch (name) {
            case "memkit" -> new Memkit(BufferPool.builder().name("bench").limitBytes(16L << 30)
                    .acquireTimeout(Duration.ofMinutes(1)).build());
            case "memkit-noleak" -> new Memkit(BufferPool.builder().name("bench").limitBytes(16L << 30)
                    .leakDetection(dev.memkit.leak.LeakDetection.DISABLED).acquireTimeout(Duration.ofMinutes(1))
                    .build());
            case "memkit-all" -> new Memkit(BufferPool.builder().name("bench").limitBytes(16L << 30)
                    .leakDetection(dev.memkit.leak.LeakDetection.ALL).acquireTimeout(Duration.ofMinutes(1))
                    .build());
            case "memkit-budget" -> new Memkit(BufferPool.builder().name("bench").limitBytes(16L << 30)
                    .budget(dev.memkit.budget.MemoryBudget.root("bench", 16L << 30).child("pool", 16L << 30))
                    .acquireTimeout(Duration.ofMinutes(1)).build());
            case "memkit-resident" -> new Memkit(BufferPool.builder().name("bench").limitBytes(16L << 30)
                    .pageRelease(false).acquireTimeout(Duration.ofMinutes(1)).build());
            case "memkit-coarse" -> new Memkit(BufferPool.builder().name("bench").limitBytes(16L << 30)
                    .sizeClasses(dev.memkit.buffer.SizeClasses.coarse()).acquireTimeout(Duration.ofMinutes(1))
                    .build());
            // Eight classes per doubling up to 64 KiB (four above): half the rounding waste of small buffers.
            case "memkit-fine" -> new Memkit(BufferPool.builder().name("bench").limitBytes(16L << 30)
                    .sizeClasses(fineClasses()).acquireTimeout(Duration.ofMinutes(1)).build());
            case String n when n.matches("memkit-cache-[0-9]+") -> new Memkit(BufferPool.builder().name("bench")
                    .limitBytes(16L << 30).threadCacheBytes(Long.parseLong(n.substring(13)) << 10)
                    .acquireTimeout(Duration.ofMinutes(1)).build());
            case String n when n.matches("memkit-stripes-[0-9]+") -> new Memkit(BufferPool.builder().name("bench")
                    .limitBytes(16L << 30).stripes(Integer.parseInt(n.substring(15)))
                    .acquireTimeout(Duration.ofMinutes(1)).build());
            case String n when n.matches("memkit(-coarse)?-headroom-[0-9]+") -> new Memkit(BufferPool.builder()
                    .name("bench").limitBytes(16L << 30)
                    .sizeClasses(n.contains("coarse") ? dev.memkit.buffer.SizeClasses.coarse()
                            : dev.memkit.buffer.SizeClasses.defaults())
                    .idleHeadroom(1.0 / Integer.parseInt(name.substring(name.lastIndexOf('-') + 1)))
                    .acquireTimeout(Duration.ofMinutes(1)).build());
            // Writes through a segment() view, as NIO and FFM users do (marks the lease as viewed).
            case "memkit-view" -> new MemkitView(pool(dev.memkit.leak.LeakDetection.SAMPLED), null);
            // What catching a view kept past close() would cost: the checked mode, and a per-lease scope over
            // pooled memory (shared: any thread may use the view; confined: only the acquiring thread).
            case "memkit-paranoid-view" -> new MemkitView(pool(dev.memkit.leak.LeakDetection.PARANOID), null);
            case "memkit-scoped-shared" -> new MemkitView(pool(dev.memkit.leak.LeakDetection.SAMPLED), true);
            case "memkit-scoped-confined" -> new MemkitView(pool(dev.memkit.leak.LeakDetection.SAMPLED), false);
            case "netty-pooled" -> new Netty(PooledByteBufAllocator.DEFAULT);
            case "netty-adaptive" -> new Netty(new AdaptiveByteBufAllocator());
            case "malloc" -> new Malloc();
            case "arena-confined" -> new ArenaPerBuffer(false);
            case "arena-shared" -> new ArenaPerBuffer(true);
            case "allocate-direct" -> new Direct();
            case "byte-array" -> new Heap();
            case "touch-only" -> new TouchOnly();
            case "sync-floor" -> new SyncFloor();
            default -> throw new IllegalArgumentException("unknown allocator " + name);
        };
    }

    static final class Memkit extends Allocator {
        private final BufferPool pool;

        Memkit(BufferPool pool) {
            this.pool = pool;
        }

        @Override
        Object acquire(int size) {
            return pool.acquire(size);
        }

        @Override
        void write(Object h, long offset, byte value) {
            ((Buffer) h).putByte(offset, value);
        }

        @Override
        void release(Object h) {
            ((Buffer) h).close();
        }

        @Override
        String describe() {
            dev.memkit.buffer.BufferPoolStats st = pool.stats();
            long slack = 0;
            for (var c : st.classes()) {
                slack += Math.max(0, c.reservedBytes() - c.leasedCount() * c.blockSize() - c.idleBytes());
            }
            return String.format(java.util.Locale.ROOT, "reserved %d MiB (high water %d MiB), leased %d in %d leases,"
                    + " rounding waste %d MiB, idle %d MiB, never-carved slab space ~%d MiB, %d classes in use",
                    st.reservedBytes() >> 20, st.highWaterReservedBytes() >> 20, st.leasedBytes() >> 20,
                    st.leasedCount(), st.roundingWasteBytes() >> 20, st.idleBytes() >> 20, slack >> 20,
                    st.classes().stream().filter(c -> c.reservedBytes() > 0).count())
                    + (Boolean.getBoolean("classes") ? st.classes().stream().filter(c -> c.reservedBytes() > 0)
                        .map(c -> String.format(java.util.Locale.ROOT, "%n  class %d: %d leased, %d idle blocks, %d KiB reserved in %d slabs",
                                c.blockSize(), c.leasedCount(), c.idleBytes() / c.blockSize(), c.reservedBytes() >> 10, c.slabs()))
                        .collect(java.util.stream.Collectors.joining()) : "");
        }

        @Override
        public void close() {
            pool.close();
        }
    }

    static dev.memkit.buffer.SizeClasses fineClasses() {
        java.util.List<Long> sizes = new java.util.ArrayList<>();
        for (long s = 16; s <= 128; s += 16) {
            sizes.add(s);
        }
        for (long base = 128; base < (16L << 20); base <<= 1) {
            int per = base < (64 << 10) ? 8 : 4;
            for (int j = 1; j <= per; j++) {
                sizes.add(base + j * base / per);
            }
        }
        return dev.memkit.buffer.SizeClasses.of(sizes.stream().mapToLong(Long::longValue).toArray());
    }

    private static BufferPool pool(dev.memkit.leak.LeakDetection mode) {
        return BufferPool.builder().name("bench").limitBytes(16L << 30).leakDetection(mode)
                .acquireTimeout(Duration.ofMinutes(1)).build();
    }

    /** A lease used through a {@code segment()} view; with {@code scoped} non-null, the view gets a lease scope. */
    static final class MemkitView extends Allocator {
        private final BufferPool pool;
        private final Boolean scoped;      // null: the pool's view; true: a shared scope; false: a confined one

        MemkitView(BufferPool pool, Boolean scoped) {
            this.pool = pool;
            this.scoped = scoped;
        }

        /** A lease, its view, and the scope that ends the view at release (null when unscoped). */
        record Held(Buffer lease, MemorySegment view, Arena scope) {}

        @Override
        @SuppressWarnings("restricted") // the benchmark runs with native access
        Object acquire(int size) {
            Buffer b = pool.acquire(size);
            if (scoped == null) {
                return new Held(b, b.segment(), null);
            }
            Arena scope = scoped ? Arena.ofShared() : Arena.ofConfined();
            return new Held(b, b.segment().reinterpret(scope, null), scope);
        }

        @Override
        void write(Object h, long offset, byte value) {
            ((Held) h).view().set(ValueLayout.JAVA_BYTE, offset, value);
        }

        @Override
        void release(Object h) {
            Held held = (Held) h;
            if (held.scope() != null) {
                held.scope().close();
            }
            held.lease().close();
        }

        @Override
        public void close() {
            pool.close();
        }
    }

    static final class Netty extends Allocator {
        private final io.netty.buffer.ByteBufAllocator alloc;

        Netty(io.netty.buffer.ByteBufAllocator alloc) {
            this.alloc = alloc;
        }

        @Override
        Object acquire(int size) {
            return alloc.directBuffer(size, size);
        }

        @Override
        void write(Object h, long offset, byte value) {
            ((ByteBuf) h).setByte((int) offset, value);
        }

        @Override
        void release(Object h) {
            ((ByteBuf) h).release();
        }
    }

    @SuppressWarnings("restricted") // the anchor is malloc/free itself, through the FFM linker
    static final class Malloc extends Allocator {
        private static final MethodHandle MALLOC;
        private static final MethodHandle FREE;

        static {
            Linker linker = Linker.nativeLinker();
            MALLOC = linker.downcallHandle(linker.defaultLookup().findOrThrow("malloc"),
                    FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
            FREE = linker.downcallHandle(linker.defaultLookup().findOrThrow("free"),
                    FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
        }

        @Override
        Object acquire(int size) {
            try {
                return ((MemorySegment) MALLOC.invokeExact((long) size)).reinterpret(size);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        @Override
        void write(Object h, long offset, byte value) {
            ((MemorySegment) h).set(ValueLayout.JAVA_BYTE, offset, value);
        }

        @Override
        void release(Object h) {
            try {
                FREE.invokeExact((MemorySegment) h);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }
    }

    /** One arena per buffer: confined for same-thread use, shared when another thread frees it. */
    static final class ArenaPerBuffer extends Allocator {
        private final boolean shared;

        ArenaPerBuffer(boolean shared) {
            this.shared = shared;
        }

        record Held(Arena arena, MemorySegment segment) {}

        @Override
        Object acquire(int size) {
            Arena a = shared ? Arena.ofShared() : Arena.ofConfined();
            return new Held(a, a.allocate(size));
        }

        @Override
        void write(Object h, long offset, byte value) {
            ((Held) h).segment().set(ValueLayout.JAVA_BYTE, offset, value);
        }

        @Override
        void release(Object h) {
            ((Held) h).arena().close();
        }
    }

    /** The naive design: a fresh direct buffer per request, freed by the GC's cleaner whenever it runs. */
    static final class Direct extends Allocator {
        @Override
        Object acquire(int size) {
            return ByteBuffer.allocateDirect(size);
        }

        @Override
        void write(Object h, long offset, byte value) {
            ((ByteBuffer) h).put((int) offset, value);
        }

        @Override
        void release(Object h) {
            // nothing to do: that is the problem
        }
    }

    static final class Heap extends Allocator {
        @Override
        Object acquire(int size) {
            return new byte[size];
        }

        @Override
        void write(Object h, long offset, byte value) {
            ((byte[]) h)[(int) offset] = value;
        }

        @Override
        void release(Object h) {}
    }

    /**
     * Not an allocator: the upper bound of the footprint trace's throughput. Every buffer any holder may hold at
     * once (two rings of 256, plus one in flight per thread) is a 16 MiB segment allocated and touched up front,
     * so an acquire costs a pop and the trace's page touches never fault. What remains is the trace's own work:
     * the random sizes and touching every page. Its footprint is meaningless (16 MiB per buffer).
     */
    static final class TouchOnly extends Allocator {
        private static final long MAX = 16L << 20;
        private final Arena arena = Arena.ofShared();
        private final java.util.concurrent.ConcurrentLinkedDeque<MemorySegment> free =
                new java.util.concurrent.ConcurrentLinkedDeque<>();

        TouchOnly() {
            for (int i = 0; i < 2 * 256 + 2; i++) {
                MemorySegment s = arena.allocate(MAX, 4096);
                for (long at = 0; at < MAX; at += 4096) {
                    s.set(ValueLayout.JAVA_BYTE, at, (byte) 1);
                }
                free.push(s);
            }
        }

        @Override
        Object acquire(int size) {
            return free.pop();
        }

        @Override
        void write(Object h, long offset, byte value) {
            ((MemorySegment) h).set(ValueLayout.JAVA_BYTE, offset, value);
        }

        @Override
        void release(Object h) {
            free.push((MemorySegment) h);
        }

        @Override
        public void close() {
            arena.close();
        }
    }

    /**
     * Not an allocator: the synchronization a pool's fast path cannot drop, and nothing else. A pool whose idle
     * thread caches another thread (the scavenger) may empty, and whose leases detect a double release across
     * threads, needs per acquire + release: a try-lock and an unlock of the cache (twice) and one atomic
     * read-modify-write on the lease, plus the 24-byte lease itself. Here the "cache" is a one-element stack
     * holding one 1 MiB segment, so there is no class lookup, no statistics, no checks.
     */
    static final class SyncFloor extends Allocator {
        private static final java.lang.invoke.VarHandle LOCK;
        private static final java.lang.invoke.VarHandle WORD;

        static {
            try {
                LOCK = java.lang.invoke.MethodHandles.lookup().findVarHandle(SyncFloor.class, "lock", int.class);
                WORD = java.lang.invoke.MethodHandles.lookup().findVarHandle(Lease.class, "word", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        static final class Lease {
            final MemorySegment segment;
            long word;

            Lease(MemorySegment segment, long word) {
                this.segment = segment;
                this.word = word;
            }
        }

        private final Arena arena = Arena.ofShared();
        private MemorySegment idle = arena.allocate(1 << 20, 4096);
        @SuppressWarnings("unused") // through LOCK
        private int lock;

        @Override
        Object acquire(int size) {
            if ((int) LOCK.compareAndExchangeAcquire(this, 0, 1) != 0) {
                throw new IllegalStateException("contended");
            }
            MemorySegment s = idle;
            idle = null;
            LOCK.setRelease(this, 0);
            return new Lease(s, (long) size << 10);
        }

        @Override
        void write(Object h, long offset, byte value) {
            ((Lease) h).segment.set(ValueLayout.JAVA_BYTE, offset, value);
        }

        @Override
        void release(Object h) {
            Lease l = (Lease) h;
            if (((long) WORD.getAndBitwiseOr(l, 1L) & 1) != 0) {
                throw new IllegalStateException("released twice");
            }
            if ((int) LOCK.compareAndExchangeAcquire(this, 0, 1) != 0) {
                throw new IllegalStateException("contended");
            }
            idle = l.segment;
            LOCK.setRelease(this, 0);
        }

        @Override
        public void close() {
            arena.close();
        }
    }
}
