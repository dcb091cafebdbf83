package dev.memkit.offheap;

import dev.memkit.budget.MemoryBudget;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A {@code byte} array of any length (beyond 2^31 elements) in native memory or in a memory-mapped file. One heap
 * object however large; the garbage collector never scans its contents.
 *
 * <pre>{@code
 * try (ByteArray a = ByteArray.create(Path.of("blob.mkarray"), 5_000_000_000L)) {
 *     a.set(4_000_000_000L, (byte) 42);
 *     a.sync();                                 // durable: survives a crash from here on
 * }
 * try (ByteArray a = ByteArray.open(Path.of("blob.mkarray"))) { ... }   // instant: maps, no load pass
 * }</pre>
 *
 * <p>The file format and the crash-consistency guarantee are described on {@code ArrayStorage} and in
 * docs/ARCHITECTURE.md: after a crash, every element has its value as of the last {@link #sync()} or a value
 * written after it, and {@link #recovered()} says the file had not been synced since its last writes.
 *
 * <p><b>Ownership and thread-safety.</b> The array owns its memory (and the file mapping and lock);
 * {@link #close()} syncs a mapped file and frees everything; later calls throw {@link IllegalStateException}.
 * {@link #get} and {@link #set} may be called from several threads on distinct or racing elements with plain
 * (non-volatile) memory semantics; {@code sync} and {@code close} must not race with writers.
 *
 * @since 0.1
 */
public final class ByteArray extends BigArray {
    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    private static final ArrayKind<ByteArray> KIND = new ArrayKind<>(1, ByteArray::new);

    private ByteArray(ArrayStorage storage) {
        super(storage);
    }

    /**
     * A zeroed array in native memory.
     *
     * @param length elements, at least 0
     * @return the array
     */
    public static ByteArray allocate(long length) {
        return KIND.allocate(length, null);
    }

    /**
     * A zeroed array in native memory charged to {@code budget}.
     *
     * @param length elements, at least 0
     * @param budget the budget to charge
     * @return the array
     * @throws dev.memkit.budget.BudgetExceededException if the budget refuses
     */
    public static ByteArray allocate(long length, MemoryBudget budget) {
        return KIND.allocate(length, Objects.requireNonNull(budget, "budget"));
    }

    /**
     * A new zeroed array in a new file (owner-only permissions), mapped into memory.
     *
     * @param file a path that does not exist yet
     * @param length elements, at least 0
     * @return the array
     * @throws IllegalArgumentException if the file exists
     */
    public static ByteArray create(Path file, long length) {
        return KIND.create(file, length);
    }

    /**
     * Maps an existing array file without reading its data (instant at any size).
     *
     * @param file the file
     * @return the array
     * @throws IllegalArgumentException if the file is truncated, corrupt, foreign, of another version or another
     *         element type
     * @throws IllegalStateException if another process has it open
     */
    public static ByteArray open(Path file) {
        return KIND.open(file, false);
    }

    /**
     * Maps an existing array file and, if it was cleanly synced, verifies its data checksum (one sequential read).
     *
     * @param file the file
     * @return the array
     * @throws IllegalArgumentException also when the data checksum does not match
     */
    public static ByteArray openVerified(Path file) {
        return KIND.open(file, true);
    }

    /**
     * One element.
     *
     * @param index in {@code [0, length)}
     * @return its value
     * @throws IndexOutOfBoundsException outside the array
     * @throws IllegalStateException after close
     */
    public byte get(long index) {
        return storage.data.getAtIndex(BYTE, index);
    }

    /**
     * Sets one element.
     *
     * @param index in {@code [0, length)}
     * @param value the value
     * @throws IndexOutOfBoundsException outside the array
     * @throws IllegalStateException after close
     */
    public void set(long index, byte value) {
        java.util.Objects.checkIndex(index, storage.length);
        storage.beforeWrite(index, 1);
        storage.data.setAtIndex(BYTE, index, value);
    }

    /**
     * Sets every element.
     *
     * @param value the value
     */
    public void fill(byte value) {
        storage.beforeWrite(0, storage.data.byteSize());
        storage.data.fill(value);
    }

    /**
     * Copies {@code src} into this array at {@code offset}.
     *
     * @param offset where the first byte goes
     * @param src the bytes
     * @throws IndexOutOfBoundsException if they do not fit
     */
    public void copyFrom(long offset, byte[] src) {
        java.util.Objects.checkFromIndexSize(offset, src.length, storage.length);
        storage.beforeWrite(offset, src.length);
        MemorySegment.copy(src, 0, storage.data, BYTE, offset, src.length);
    }

    /**
     * Copies {@code dst.length} bytes from {@code offset} into {@code dst}.
     *
     * @param offset where the first byte comes from
     * @param dst the destination
     * @throws IndexOutOfBoundsException if the range is outside the array
     */
    public void copyTo(long offset, byte[] dst) {
        MemorySegment.copy(storage.data, BYTE, offset, dst, 0, dst.length);
    }
}
