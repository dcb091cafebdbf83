package dev.memkit.buffer;

import dev.memkit.leak.LeakDetection;
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
 * reference can never read the next holder's data through it.
 *
 * <p><b>Views.</b> {@link #segment()} and {@link #byteBuffer()} return views of the leased memory. What a view may
 * outlive:
 * <ul>
 *   <li><b>The {@code Buffer} object, unreleased.</b> Always safe. A lease dropped without {@code close()} is a
 *       leak: it is reported, and its block is reused only if the lease never handed out a view; a block whose lease
 *       did is kept out of circulation for good (quarantined, counted as leased), so a view kept after its lease was
 *       dropped keeps reading and writing memory nobody else owns. Under {@link LeakDetection#PARANOID} the views
 *       are invalidated instead and the block is reused.</li>
 *   <li><b>{@code close()}.</b> Not in the default modes: the block goes back to the pool and its next holder's
 *       data is visible through a view kept past release (as with any pooled allocator: Netty's pooled buffers,
 *       {@code malloc}). Under {@link LeakDetection#PARANOID} every view is invalidated at release and any access
 *       through it throws {@code IllegalStateException}: use it in tests to catch such bugs.</li>
 *   <li><b>The pool's {@code close()} or {@code trim()}.</b> Never a crash: memory is freed only with its JDK arena,
 *       and access through a view of freed memory throws {@code IllegalStateException}.</li>
 * </ul>
 *
 * <p>Contents are not cleared between leases (like {@code malloc}); use the pool's {@code scrubOnRelease}
 * option for secrets. Multi-byte accessors use the platform's native byte order.
 *
 * <p><b>Thread-safety.</b> A lease may be handed to another thread (through any safe hand-off such as a
 * queue) and released there. Concurrent use from several threads needs the caller's own synchronization;
 * {@code close()} is one atomic {@code getAndBitwiseOr}, so two racing releases cannot both succeed: one throws.
 *
 * @since 0.1
 */
public final class Buffer implements AutoCloseable {
    private static final VarHandle WORD;

    /*
     * The lease state, packed so a lease is 24 bytes (12-byte header, block reference, one long):
     *
     *  63                                                      10 9           1   0
     * +----------------------------------------------------------+------------+---+
     * | requested size                                           | thread (9) | R |
     * +----------------------------------------------------------+------------+---+
     *
     * R is set once, by the atomic OR in close(). "thread" is a 9-bit tag of the acquiring thread, compared at
     * release to count cross-thread releases.
     */
    static final int TAG_SHIFT = 1;
    static final int TAG_BITS = 9;
    static final int SIZE_SHIFT = 10;
    /** A lease is under 16 GiB: larger regions belong in an arena of their own, not in a buffer pool. */
    static final long MAX_SIZE = (1L << 34) - 1;
    private static final long RELEASED = 1;

    static {
        try {
            WORD = MethodHandles.lookup().findVarHandle(Buffer.class, "word", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    // Held strongly only here while leased (this is what leak detection watches); the pool's released sentinel
    // once released, so a stale lease keeps no block reachable. Written by close() only, after it won the CAS.
    private Block block;
    @SuppressWarnings("FieldMayBeFinal") // the released bit is set through WORD
    private long word;

    Buffer(Block block, long size, int threadTag) {
        this.block = block;
        this.word = (size << SIZE_SHIFT) | ((long) threadTag << TAG_SHIFT);
    }

    /**
     * The requested size of this lease.
     *
     * @return size in bytes
     */
    public long size() {
        return word >>> SIZE_SHIFT; // size bits never change: a plain read is exact
    }

    /**
     * Whether {@link #close()} was called.
     *
     * @return true once released
     */
    public boolean isReleased() {
        return ((long) WORD.getOpaque(this) & RELEASED) != 0;
    }

    /**
     * A view of exactly {@link #size()} bytes. See the class comment for what the view may outlive: in short, do
     * not use it after {@link #close()}; if the lease leaks, its block is never reused.
     *
     * @return a segment over the leased memory
     * @throws IllegalStateException if the lease was released
     */
    public MemorySegment segment() {
        long w = checkLeased();
        Block b = block;
        MemorySegment view = b.memory.asSlice(b.offset, w >>> SIZE_SHIFT);
        return b.pool.leaks.guardView(view, b);
    }

    /** The slab-scoped view, not marked as viewed (see {@link dev.memkit.internal.BufferAccess}). */
    MemorySegment unwatchedSegment() {
        long w = checkLeased();
        Block b = block;
        return b.memory.asSlice(b.offset, w >>> SIZE_SHIFT);
    }

    /**
     * A direct {@code ByteBuffer} view of exactly {@link #size()} bytes, position 0, limit = capacity = size. The
     * same rules as for {@link #segment()} apply.
     *
     * @return a new buffer view over the leased memory
     * @throws IllegalStateException if the lease was released
     * @throws UnsupportedOperationException if the lease is larger than a {@code ByteBuffer} can address
     */
    public ByteBuffer byteBuffer() {
        long w = checkLeased();
        long size = w >>> SIZE_SHIFT;
        if (size > Integer.MAX_VALUE) {
            throw new UnsupportedOperationException(
                    "a ByteBuffer view is limited to 2 GiB; this lease is " + size + " bytes: use segment()");
        }
        Block b = block;
        Slab slab = b.slab;
        if (slab == null) {       // released meanwhile: b is the pool's sentinel
            checkLeased();
            throw new IllegalStateException("buffer released while its view was made");
        }
        ByteBuffer whole = slab.wholeBuffer;
        if (whole == null || !b.pool.leaks.markViewed(b)) {
            return segment().asByteBuffer();
        }
        return whole.slice((int) b.offset, (int) size);   // one object; the slab's scope still guards it
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
        Block b = block;
        return b.memory.get(ValueLayout.JAVA_BYTE, address(b, at, 1));
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
        Block b = block;
        b.memory.set(ValueLayout.JAVA_BYTE, address(b, at, 1), value);
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
        Block b = block;
        return b.memory.get(ValueLayout.JAVA_INT_UNALIGNED, address(b, at, 4));
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
        Block b = block;
        b.memory.set(ValueLayout.JAVA_INT_UNALIGNED, address(b, at, 4), value);
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
        Block b = block;
        return b.memory.get(ValueLayout.JAVA_LONG_UNALIGNED, address(b, at, 8));
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
        Block b = block;
        b.memory.set(ValueLayout.JAVA_LONG_UNALIGNED, address(b, at, 8), value);
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
        Block b = block;
        MemorySegment.copy(src, srcOffset, b.memory, ValueLayout.JAVA_BYTE, address(b, at, length), length);
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
        Block b = block;
        MemorySegment.copy(b.memory, ValueLayout.JAVA_BYTE, address(b, at, length), dst, dstOffset, length);
    }

    /**
     * Sets every byte of the lease to {@code value}.
     *
     * @param value the byte
     * @throws IllegalStateException if released
     */
    public void fill(byte value) {
        long n = size();
        Block b = block;
        b.memory.asSlice(address(b, 0, n), n).fill(value);
    }

    /**
     * Returns the block to the pool. The lease, and every accessor on it, is unusable afterwards.
     *
     * @throws IllegalStateException if the lease was already released
     */
    @Override
    public void close() {
        long w = (long) WORD.getAndBitwiseOr(this, RELEASED); // one atomic: exactly one caller sees it clear
        Block b = block;
        if ((w & RELEASED) != 0) {
            throw new IllegalStateException("buffer of " + size() + " bytes from pool '" + b.pool.name()
                    + "' released twice");
        }
        block = b.pool.releasedBlock;
        b.pool.release(b, w >>> SIZE_SHIFT, (int) (w >>> TAG_SHIFT) & ((1 << TAG_BITS) - 1));
    }

    @Override
    public String toString() {
        return "Buffer[" + size() + " bytes, pool=" + block.pool.name() + (isReleased() ? ", released]" : "]");
    }

    /** Returns the state word if leased; throws if released. */
    private long checkLeased() {
        long w = (long) WORD.getOpaque(this);
        if ((w & RELEASED) != 0) {
            throw new IllegalStateException("buffer of " + (w >>> SIZE_SHIFT) + " bytes from pool '"
                    + block.pool.name() + "' used after release");
        }
        return w;
    }

    /**
     * Checks the lease and the range, and returns the absolute offset in {@code b}'s memory. Callers read
     * {@code block} once and use that {@code b} for both memory and offset: a racing {@code close()} may swap in
     * the released sentinel, whose memory is empty, so a mix of the two could address another block.
     */
    private long address(Block b, long at, long length) {
        long w = checkLeased();
        Objects.checkFromIndexSize(at, length, w >>> SIZE_SHIFT);
        return b.offset + at;
    }
}
