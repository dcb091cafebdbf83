package dev.memkit.cli.backup;

import dev.memkit.buffer.Buffer;
import dev.memkit.buffer.BufferPool;
import dev.memkit.buffer.SizeClasses;

import java.nio.ByteBuffer;

/**
 * Where the sender's read and compression buffers come from: the naive design (a fresh buffer for every read,
 * sized to it) or memkit's pool. Thread-safe.
 */
public abstract class Buffers implements AutoCloseable {

    /** A buffer on loan: {@link #bytes()} has position 0 and limit = the requested size. */
    public interface Loan extends AutoCloseable {
        ByteBuffer bytes();

        @Override
        void close();
    }

    public abstract Loan get(int size);

    /** Native bytes this strategy holds outside the Java heap and the JDK's direct-buffer accounting. */
    public long nativeBytes() {
        return 0;
    }

    @Override
    public void close() {}

    public static Buffers naive(boolean direct) {
        return new Naive(direct);
    }

    public static Buffers pooled(SizeClasses classes, long limit) {
        return new Pooled(BufferPool.builder().name("backup").sizeClasses(classes).limitBytes(limit).build());
    }

    static final class Naive extends Buffers {
        private final boolean direct;

        Naive(boolean direct) {
            this.direct = direct;
        }

        @Override
        public Loan get(int size) {
            ByteBuffer b = direct ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
            return new Loan() {
                @Override
                public ByteBuffer bytes() {
                    return b;
                }

                @Override
                public void close() {
                    // the original design: the garbage collector frees it, eventually
                }
            };
        }
    }

    static final class Pooled extends Buffers {
        final BufferPool pool;

        Pooled(BufferPool pool) {
            this.pool = pool;
        }

        @Override
        public Loan get(int size) {
            Buffer lease = pool.acquire(size);
            ByteBuffer view = lease.byteBuffer();
            return new Loan() {
                @Override
                public ByteBuffer bytes() {
                    return view;
                }

                @Override
                public void close() {
                    lease.close();
                }
            };
        }

        @Override
        public long nativeBytes() {
            return pool.stats().reservedBytes();
        }

        @Override
        public void close() {
            pool.close();
        }
    }
}
