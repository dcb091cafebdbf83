package dev.memkit.buffer;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * A lease on one block of pooled native memory, exactly {@link #size()} bytes long. Release it with
 * {@link #close()}, typically through try-with-resources:
 *
 * <pre>{@code
 * try (Buffer b = pool.acquire(64 * 1024)) {
 *     channel.read(b.byteBuffer());
 * }
 * }</pre>
 *
 * <p><b>Ownership.</b> The holder of the lease owns the memory until {@code close()}; the pool owns it after.
 * Every accessor of this class throws {@link IllegalStateException} once the lease is released, so a stale
 * reference can never read the next holder's data through it. Views ({@link #segment()},
 * {@link #byteBuffer()}) taken before release are the caller's responsibility: under
 * {@link LeakDetection#PARANOID} they are invalidated at release too; in other modes they keep pointing at the
 * pooled block, so do not use them after {@code close()}.
 *
 * <p>Contents are not cleared between leases (like {@code malloc}); use the pool's {@code scrubOnRelease}
 * option for secrets. Multi-byte accessors use the platform's native byte order.
 *
 * <p><b>Thread-safety.</b> A lease may be handed to another thread (through any safe hand-off such as a
 * queue) and released there. Concurrent use from several threads needs the caller's own synchronization;
 * {@code close()} is atomic, so two racing releases cannot both succeed: one throws.
 */
public final class Buffer implements AutoCloseable {
    private static final VarHandle STATE;
    private static final int RELEASED = -1;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Buffer.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Slab slab;
    private final int index;         // block index in the slab; the byte offset is index * blockSize
    private final long size;
    /** The acquiring thread's tag (non-negative) while leased; {@link #RELEASED} after release. */
    @SuppressWarnings("FieldMayBeFinal") // written through STATE
    private int state;

    Buffer(Slab slab, int index, long size, int ownerTag) {
        this.slab = slab;
        this.index = index;
        this.size = size;
        this.state = ownerTag;
    }

    /**
     * The requested size of this lease.
     *
     * @return size in bytes
     */
    public long size() {
        return size;
    }

    /**
     * Whether {@link #close()} was called.
     *
     * @return true once released
     */
    public boolean isReleased() {
        return (int) STATE.getOpaque(this) == RELEASED;
    }

    /**
     * A view of exactly {@link #size()} bytes.
     *
     * @return a segment over the leased memory
     * @throws IllegalStateException if the lease was released
     */
    public MemorySegment segment() {
        checkLeased();
        MemorySegment view = slab.memory.asSlice(index * slab.blockSize, size);
        return slab.pool.guardView(view, slab, index);
    }

    /**
     * A direct {@code ByteBuffer} view of exactly {@link #size()} bytes, position 0, limit = capacity = size.
     *
     * @return a new buffer view over the leased memory
     * @throws IllegalStateException if the lease was released
     * @throws UnsupportedOperationException if the lease is larger than a {@code ByteBuffer} can address
     */
    public ByteBuffer byteBuffer() {
        if (size > Integer.MAX_VALUE) {
            throw new UnsupportedOperationException(
                    "a ByteBuffer view is limited to 2 GiB; this lease is " + size + " bytes: use segment()");
        }
        return segment().asByteBuffer();
    }

    /**
     * Reads a byte.
     *
     * @param at offset in the lease
     * @return the byte
     * @throws IllegalStateException if released
     * @throws IndexOutOfBoundsException if {@code at} is outside the lease
     */
    public byte getByte(long at) {
        return slab.memory.get(ValueLayout.JAVA_BYTE, address(at, 1));
    }

    /**
     * Writes a byte.
     *
     * @param at offset in the lease
     * @param value the byte
     * @throws IllegalStateException if released
     * @throws IndexOutOfBoundsException if {@code at} is outside the lease
     */
    public void putByte(long at, byte value) {
        slab.memory.set(ValueLayout.JAVA_BYTE, address(at, 1), value);
    }

    /**
     * Reads an int in native byte order at any alignment.
     *
     * @param at offset in the lease
     * @return the value
     * @throws IllegalStateException if released
     * @throws IndexOutOfBoundsException if the 4 bytes are not all inside the lease
     */
    public int getInt(long at) {
        return slab.memory.get(ValueLayout.JAVA_INT_UNALIGNED, address(at, 4));
    }

    /**
     * Writes an int in native byte order at any alignment.
     *
     * @param at offset in the lease
     * @param value the value
     * @throws IllegalStateException if released
     * @throws IndexOutOfBoundsException if the 4 bytes are not all inside the lease
     */
    public void putInt(long at, int value) {
        slab.memory.set(ValueLayout.JAVA_INT_UNALIGNED, address(at, 4), value);
    }

    /**
     * Reads a long in native byte order at any alignment.
     *
     * @param at offset in the lease
     * @return the value
     * @throws IllegalStateException if released
     * @throws IndexOutOfBoundsException if the 8 bytes are not all inside the lease
     */
    public long getLong(long at) {
        return slab.memory.get(ValueLayout.JAVA_LONG_UNALIGNED, address(at, 8));
    }

    /**
     * Writes a long in native byte order at any alignment.
     *
     * @param at offset in the lease
     * @param value the value
     * @throws IllegalStateException if released
     * @throws IndexOutOfBoundsException if the 8 bytes are not all inside the lease
     */
    public void putLong(long at, long value) {
        slab.memory.set(ValueLayout.JAVA_LONG_UNALIGNED, address(at, 8), value);
    }

    /**
     * Copies bytes from an array into the lease.
     *
     * @param at offset in the lease
     * @param src source array
     * @param srcOffset first byte of {@code src}
     * @param length number of bytes
     * @throws IllegalStateException if released
     * @throws IndexOutOfBoundsException if either range is out of bounds
     */
    public void write(long at, byte[] src, int srcOffset, int length) {
        Objects.checkFromIndexSize(srcOffset, length, src.length);
        MemorySegment.copy(src, srcOffset, slab.memory, ValueLayout.JAVA_BYTE, address(at, length), length);
    }

    /**
     * Copies bytes from the lease into an array.
     *
     * @param at offset in the lease
     * @param dst destination array
     * @param dstOffset first byte of {@code dst}
     * @param length number of bytes
     * @throws IllegalStateException if released
     * @throws IndexOutOfBoundsException if either range is out of bounds
     */
    public void read(long at, byte[] dst, int dstOffset, int length) {
        Objects.checkFromIndexSize(dstOffset, length, dst.length);
        MemorySegment.copy(slab.memory, ValueLayout.JAVA_BYTE, address(at, length), dst, dstOffset, length);
    }

    /**
     * Sets every byte of the lease to {@code value}.
     *
     * @param value the byte
     * @throws IllegalStateException if released
     */
    public void fill(byte value) {
        slab.memory.asSlice(address(0, size), size).fill(value);
    }

    /**
     * Returns the block to the pool. The lease, and every accessor on it, is unusable afterwards.
     *
     * @throws IllegalStateException if the lease was already released
     */
    @Override
    public void close() {
        int owner = (int) STATE.getOpaque(this);
        if (owner == RELEASED || !STATE.compareAndSet(this, owner, RELEASED)) {
            throw new IllegalStateException("buffer of " + size + " bytes from pool '" + slab.pool.name()
                    + "' released twice");
        }
        slab.pool.release(slab, index, size, owner);
    }

    @Override
    public String toString() {
        return "Buffer[" + size + " bytes, pool=" + slab.pool.name() + (isReleased() ? ", released]" : "]");
    }

    private void checkLeased() {
        if ((int) STATE.getOpaque(this) == RELEASED) {
            throw new IllegalStateException("buffer of " + size + " bytes from pool '" + slab.pool.name()
                    + "' used after release");
        }
    }

    /** Checks the lease and the range, and returns the absolute offset in the slab. */
    private long address(long at, long length) {
        checkLeased();
        Objects.checkFromIndexSize(at, length, size);
        return index * slab.blockSize + at;
    }
}
