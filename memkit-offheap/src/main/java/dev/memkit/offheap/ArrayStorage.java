package dev.memkit.offheap;

import dev.memkit.budget.MemoryBudget;
import dev.memkit.internal.IoErrors;
import dev.memkit.region.NativeRegion;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The memory behind {@link LongArray} and {@link ByteArray}: a native allocation, or a memory-mapped file.
 *
 * <pre>
 *   file layout (little-endian)
 *   offset  size
 *        0     8  magic "MKARRAY1"
 *        8     4  format version (1)
 *       12     4  element size in bytes (1 or 8)
 *       16     8  length in elements
 *       24     4  flags: bit 0 = dirty (written since the last sync)
 *       28     4  chunk size shift (20: checksums cover 1 MiB chunks)
 *       32     4  CRC32C of bytes 0..31
 *       36  4060  zero
 *     4096   4*c  CRC32C of each data chunk (c = chunks), valid when clean
 *        t     n  the elements (t = 4096 + 4*c rounded up to 4096; n = length * element size);
 *                 the file is exactly t + n bytes
 * </pre>
 *
 * <p>Checksums are kept per 1 MiB chunk and recomputed at {@code sync()} only for the chunks written since the
 * previous sync (a bitmap marks them), so syncing a large, mostly untouched array costs what was written.
 *
 * <p><b>Crash consistency.</b> The first write after a {@link #sync()} sets the dirty flag and forces the header to
 * disk before the write proceeds; {@code sync()} forces the data, then writes a clean header with the data's
 * checksum and forces it. After a crash (even a SIGKILL mid-write) the file reopens with every element as of the
 * last sync or as written after it (element writes are single aligned stores, never torn by a process crash);
 * {@link #recovered()} then says the file was not cleanly synced, and its chunk checksums cannot vouch for it. A
 * file that was cleanly synced can have every chunk verified on open. Every offset is checked before use and the
 * file size against the header before mapping, so a truncated, corrupt, foreign or wrong-version file fails with
 * {@link IllegalArgumentException}, never a crash. New files are created owner-only; an open file is locked
 * against other processes.
 *
 * <p>Not thread-safe for structural operations (sync, close); element access is as thread-safe as plain memory.
 */
final class ArrayStorage {
    static final int HEADER = 4096;
    static final int CHUNK_SHIFT = 20;
    private static final long MAGIC = 0x3159415252414B4DL; // "MKARRAY1" little-endian
    private static final int VERSION = 1;
    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    final MemorySegment data;
    final long length;
    private final int elementSize;
    private final Runnable free;              // frees data: its native region (and charge), or the file mapping
    private final MemorySegment header;       // null when not file-backed
    private final MemorySegment checksums;    // one CRC32C per chunk; null when not file-backed
    private final long[] dirtyChunks;         // bitmap of chunks written since the last sync (VarHandle access)
    private final FileChannel channel;
    private final FileLock lock;
    private final boolean recovered;
    private boolean dirty;

    private ArrayStorage(MemorySegment data, long length, int elementSize, Runnable free, MemorySegment header,
                         MemorySegment checksums, FileChannel channel, FileLock lock, boolean recovered) {
        this.data = data;
        this.checksums = checksums;
        this.dirtyChunks = header == null ? null : new long[(int) ((chunks(data.byteSize()) + 63) >>> 6)];
        this.length = length;
        this.elementSize = elementSize;
        this.free = free;
        this.header = header;
        this.channel = channel;
        this.lock = lock;
        this.recovered = recovered;
        this.dirty = recovered;
        if (recovered) {
            // The crashed writer's dirty chunks are unknown: the next sync recomputes every checksum.
            for (long c = 0, n = chunks(data.byteSize()); c < n; c++) {
                dirtyChunks[(int) (c >>> 6)] |= 1L << c;
            }
        }
    }

    static long bytesFor(long length, int elementSize) {
        if (length < 0) {
            throw new IllegalArgumentException("length must not be negative: " + length);
        }
        try {
            return Math.multiplyExact(length, elementSize);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("length overflows: " + length + " elements of " + elementSize + " bytes");
        }
    }

    static ArrayStorage allocate(long length, int elementSize, MemoryBudget budget) {
        NativeRegion region = NativeRegion.allocate(bytesFor(length, elementSize), 8, budget);
        return new ArrayStorage(region.memory(), length, elementSize, region::close, null, null, null, null, false);
    }

    static ArrayStorage create(Path file, long length, int elementSize) {
        long bytes = bytesFor(length, elementSize);
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException e) {
            throw new IllegalArgumentException("will not overwrite existing file " + file, e);
        } catch (UnsupportedOperationException notPosix) {
            try {
                Files.createFile(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + file + ": " + IoErrors.describe(e), e);
        }
        ArrayStorage s = map(file, dataStart(bytes) + bytes, length, elementSize, false);
        s.checksumZeros();                 // a new file is sparse zeros: its checksums are known without reading it
        s.force(s.checksums);
        s.writeHeader(false);
        s.force(s.header);
        return s;
    }

    static ArrayStorage open(Path file, int elementSize, boolean verifyData) {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + file + ": " + IoErrors.describe(e), e);
        }
        if (size < HEADER) {
            throw new IllegalArgumentException(file + " is not a memkit array file: " + size
                    + " bytes, shorter than the " + HEADER + "-byte header (truncated or foreign)");
        }
        ByteBuffer h = ByteBuffer.allocate(36).order(ByteOrder.LITTLE_ENDIAN);
        // Only the fixed header is read before the sizes are checked, so nothing past the end is ever mapped.
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            OffHeapIo.readFully(ch, h, 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + IoErrors.describe(e), e);
        }
        h.flip();
        if (h.getLong(0) != MAGIC) {
            throw new IllegalArgumentException(file + " is not a memkit array file (bad magic)");
        }
        if (OffHeapIo.crc(h.array(), 0, 32) != h.getInt(32)) {
            throw new IllegalArgumentException(file + ": corrupt header (checksum mismatch)");
        }
        if (h.getInt(8) != VERSION) {
            throw new IllegalArgumentException(file + ": unsupported format version " + h.getInt(8)
                    + " (this memkit reads version " + VERSION + ")");
        }
        if (h.getInt(12) != elementSize) {
            throw new IllegalArgumentException(file + " holds " + h.getInt(12) + "-byte elements, not "
                    + elementSize + "-byte ones");
        }
        long length = h.getLong(16);
        if (h.getInt(28) != CHUNK_SHIFT) {
            throw new IllegalArgumentException(file + ": corrupt header (chunk shift " + h.getInt(28) + ")");
        }
        long expected;
        try {
            long bytes = bytesFor(length, elementSize);
            expected = Math.addExact(dataStart(bytes), bytes);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new IllegalArgumentException(file + ": corrupt header (length " + length + ")", e);
        }
        if (size != expected) {
            throw new IllegalArgumentException(file + " is " + size + " bytes but its header promises " + expected
                    + " (truncated or extended)");
        }
        boolean wasDirty = (h.getInt(24) & 1) != 0;
        ArrayStorage s = map(file, size, length, elementSize, wasDirty);
        if (verifyData && !wasDirty) {
            long bad = s.firstBadChunk();
            if (bad >= 0) {
                s.abandon();
                throw new IllegalArgumentException(file + ": corrupt data (checksum mismatch in chunk " + bad
                        + " after a clean sync)");
            }
        }
        return s;
    }

    private static ArrayStorage map(Path file, long size, long length, int elementSize, boolean recovered) {
        FileChannel ch = null;
        Arena arena = Arena.ofShared();
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock = FileLocks.lock(ch, file);
            if (ch.size() < size) {
                ch.write(ByteBuffer.wrap(new byte[1]), size - 1); // extend a new file to its full size
            }
            MemorySegment all = ch.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
            long bytes = bytesFor(length, elementSize);
            long start = dataStart(bytes);
            return new ArrayStorage(all.asSlice(start, bytes), length, elementSize, arena::close,
                    all.asSlice(0, HEADER), all.asSlice(HEADER, 4 * chunks(bytes)), ch, lock, recovered);
        } catch (IOException | RuntimeException e) {
            arena.close();
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            if (e instanceof IOException io) {
                throw new UncheckedIOException("cannot map " + file + ": " + io.getMessage(), io);
            }
            throw (RuntimeException) e;
        }
    }

    boolean mapped() {
        return header != null;
    }

    boolean recovered() {
        return recovered;
    }

    static long chunks(long bytes) {
        return (bytes + (1L << CHUNK_SHIFT) - 1) >>> CHUNK_SHIFT;
    }

    /** Where the elements start: after the header and the checksum table, page-aligned. */
    static long dataStart(long bytes) {
        return (HEADER + 4 * chunks(bytes) + HEADER - 1) & -HEADER;
    }

    /**
     * Called before every write of {@code bytes} at byte offset {@code at}: marks the chunks dirty and, on the first
     * write after a sync, marks the file dirty on disk before the write can reach it.
     */
    void beforeWrite(long at, long bytes) {
        if (header == null) {
            return;
        }
        if (!dirty) {
            synchronized (this) {
                if (!dirty) {
                    writeHeader(true);
                    force(header);
                    dirty = true;
                }
            }
        }
        if (bytes <= 0) {
            return;
        }
        for (long c = at >>> CHUNK_SHIFT, last = (at + bytes - 1) >>> CHUNK_SHIFT; c <= last; c++) {
            int word = (int) (c >>> 6);
            long bit = 1L << c;
            if ((dirtyChunks[word] & bit) == 0) {
                DIRTY.getAndBitwiseOr(dirtyChunks, word, bit);
            }
        }
    }

    private void checksumZeros() {
        long n = chunks(data.byteSize());
        if (n == 0) {
            return;
        }
        int full = OffHeapIo.crc(MemorySegment.ofArray(new byte[1 << CHUNK_SHIFT]));
        for (long c = 0; c < n - 1; c++) {
            checksums.set(LE_INT, 4 * c, full);
        }
        long lastBytes = data.byteSize() - ((n - 1) << CHUNK_SHIFT);
        checksums.set(LE_INT, 4 * (n - 1), OffHeapIo.crc(MemorySegment.ofArray(new byte[(int) lastBytes])));
    }

    private static final java.lang.invoke.VarHandle DIRTY =
            java.lang.invoke.MethodHandles.arrayElementVarHandle(long[].class);

    private MemorySegment chunk(long c) {
        long at = c << CHUNK_SHIFT;
        return data.asSlice(at, Math.min(1L << CHUNK_SHIFT, data.byteSize() - at));
    }

    /** Forces the data, checksums the chunks written since the last sync, then writes a clean header. */
    synchronized void sync() {
        if (header == null) {
            return;
        }
        force(data);
        for (int w = 0; w < dirtyChunks.length; w++) {
            long bits = (long) DIRTY.getAndSet(dirtyChunks, w, 0L);
            while (bits != 0) {
                long c = ((long) w << 6) + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                checksums.set(LE_INT, 4 * c, OffHeapIo.crc(chunk(c)));
            }
        }
        force(checksums);
        writeHeader(false);
        force(header);
        dirty = false;
    }

    /** The first chunk whose checksum does not match, or -1. */
    private long firstBadChunk() {
        for (long c = 0; c < chunks(data.byteSize()); c++) {
            if (checksums.get(LE_INT, 4 * c) != OffHeapIo.crc(chunk(c))) {
                return c;
            }
        }
        return -1;
    }

    private void writeHeader(boolean isDirty) {
        header.set(LE_LONG, 0, MAGIC);
        header.set(LE_INT, 8, VERSION);
        header.set(LE_INT, 12, elementSize);
        header.set(LE_LONG, 16, length);
        header.set(LE_INT, 24, isDirty ? 1 : 0);
        header.set(LE_INT, 28, CHUNK_SHIFT);
        header.set(LE_INT, 32, OffHeapIo.crc(header.asSlice(0, 32)));
    }

    /** Unmaps and unlocks without syncing (for a file refused on open). */
    private void abandon() {
        try {
            lock.release();
            channel.close();
        } catch (IOException ignored) {
            // the file is being refused anyway
        } finally {
            free.run();
        }
    }

    private void force(MemorySegment s) {
        if (s.byteSize() > 0) {
            s.force();
        }
    }

    void close() {
        try {
            if (header != null) {
                sync();
                lock.release();
                channel.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("closing the mapped array failed: " + IoErrors.describe(e), e);
        } finally {
            free.run();
        }
    }
}
