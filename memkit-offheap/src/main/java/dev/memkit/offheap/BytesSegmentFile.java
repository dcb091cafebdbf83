package dev.memkit.offheap;

import dev.memkit.internal.IoErrors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * One {@link BytesMap} segment on disk, written compacted (live records only) at sync and mapped copy-on-write at
 * open. The manifest and the generation protocol are {@link MapFiles}'.
 *
 * <pre>
 *   offset   size
 *        0      8  magic "MKBYSEG1"
 *        8      4  format version (2)
 *       12      4  index capacity c (slots)
 *       16      4  size (entries)
 *       20      4  slab count s
 *       24      8  reserved
 *       32     20  identity: map id, generation, segment index (as in {@link MapFiles})
 *       52      4  CRC32C of bytes 0..51
 *     4096    8*c  the index (BytesMap's slots, addresses relative to the slabs below)
 *        .    8*s  slab lengths
 *        .      .  the slabs, back to back (records as in RecordLog)
 * </pre>
 * The body (everything after the 4096-byte header) is covered by the CRC32C the manifest records.
 */
final class BytesSegmentFile {
    static final int HEADER = 4096;
    private static final long MAGIC = 0x3147455359424B4DL; // "MKBYSEG1"
    private static final int VERSION = 2;
    private static final ValueLayout.OfLong SLOT = ValueLayout.JAVA_LONG;

    private BytesSegmentFile() {}

    /** What {@link #load} maps: the index and the record slabs, each with its own arena. */
    record Loaded(MemorySegment index, Arena indexArena, int capacity, int size, List<MemorySegment> slabs,
                  Arena slabArena) {}

    /**
     * Writes a segment compacted: live records packed into slabs of at most {@code slabBytes}, the index rewritten
     * to their new addresses. Forces the file. Returns the body's CRC32C.
     */
    static int write(Path file, MapFiles.SegmentId id, MemorySegment index, int capacity, int size, RecordLog log,
                     long slabBytes) {
        // Pass 1: where each live record goes.
        long[] newSlots = new long[capacity];
        List<Long> slabLengths = new ArrayList<>();
        long used = 0;
        for (int i = 0; i < capacity; i++) {
            long slot = index.get(SLOT, (long) i << 3);
            if (slot == 0) {
                continue;
            }
            long address = (slot >>> 24) - 1;
            long h = log.header(address);
            long len = RecordLog.recordSize(RecordLog.keyLength(h), RecordLog.valueLength(h));
            if (slabLengths.isEmpty() || used + len > Math.max(slabBytes, len)) {
                if (!slabLengths.isEmpty()) {
                    slabLengths.set(slabLengths.size() - 1, used);
                }
                slabLengths.add(0L);
                used = 0;
            }
            long newAddress = ((long) (slabLengths.size() - 1) << RecordLog.OFFSET_BITS) | used;
            newSlots[i] = ((newAddress + 1) << 24) | (slot & 0xFF_FFFFL);
            used += len;
        }
        if (!slabLengths.isEmpty()) {
            slabLengths.set(slabLengths.size() - 1, used);
        }
        CRC32C crc = new CRC32C();
        // No manifest names this file yet: whatever a crashed sync left under its name is overwritten.
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
            h.putLong(0, MAGIC).putInt(8, VERSION).putInt(12, capacity).putInt(16, size)
                    .putInt(20, slabLengths.size());
            id.put(h);
            OffHeapIo.writeFully(ch, h);
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.nativeOrder());
            for (long s : newSlots) {
                buf = put(ch, crc, buf, 8);
                buf.putLong(s);
            }
            for (long len : slabLengths) {
                buf = put(ch, crc, buf, 8);
                buf.putLong(len);
            }
            // Pass 2: the records, in the order pass 1 placed them.
            for (int i = 0; i < capacity; i++) {
                long slot = index.get(SLOT, (long) i << 3);
                if (slot == 0) {
                    continue;
                }
                long address = (slot >>> 24) - 1;
                long hd = log.header(address);
                long len = RecordLog.recordSize(RecordLog.keyLength(hd), RecordLog.valueLength(hd));
                MemorySegment record = log.slab(address).asSlice(RecordLog.offset(address), len);
                for (long at = 0; at < len; ) {
                    buf = put(ch, crc, buf, 1);
                    long n = Math.min(len - at, buf.remaining());
                    MemorySegment.copy(record, at, MemorySegment.ofBuffer(buf), 0, n);
                    buf.position(buf.position() + (int) n);
                    at += n;
                }
            }
            flush(ch, crc, buf);
            ch.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + IoErrors.describe(e), e);
        }
        return (int) crc.getValue();
    }

    /** Makes room for {@code bytes} in {@code buf}, writing it out when full. */
    private static ByteBuffer put(FileChannel ch, CRC32C crc, ByteBuffer buf, int bytes) throws IOException {
        if (buf.remaining() < bytes) {
            flush(ch, crc, buf);
        }
        return buf;
    }

    private static void flush(FileChannel ch, CRC32C crc, ByteBuffer buf) throws IOException {
        buf.flip();
        crc.update(buf.duplicate());
        OffHeapIo.writeFully(ch, buf);
        buf.clear();
    }

    /** Checks a segment file's header and sizes, then maps its index and slabs copy-on-write. */
    static Loaded load(Path file, MapFiles.SegmentId id, boolean verify, int expectedCrc) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer h = ByteBuffer.allocate(MapFiles.HEADER_CRC_AT + 4).order(ByteOrder.LITTLE_ENDIAN);
            if (OffHeapIo.readFully(ch, h, 0) < h.capacity() || h.getLong(0) != MAGIC) {
                throw new IllegalArgumentException(file + " is not a memkit BytesMap segment (truncated or foreign)");
            }
            id.check(h, file);
            if (h.getInt(8) != VERSION) {
                throw new IllegalArgumentException(file + ": unsupported segment format version " + h.getInt(8));
            }
            int capacity = h.getInt(12);
            int size = h.getInt(16);
            int slabs = h.getInt(20);
            if (capacity < 16 || size < 0 || size >= capacity || slabs < 0 || slabs > RecordLog.MAX_SLABS) {
                throw new IllegalArgumentException(file + ": corrupt segment header");
            }
            long tableEnd = HEADER + 8L * capacity + 8L * slabs;
            if (ch.size() < tableEnd) {
                throw new IllegalArgumentException(file + " is " + ch.size() + " bytes, too short for its index"
                        + " (truncated)");
            }
            ByteBuffer lengths = ByteBuffer.allocate(8 * slabs).order(ByteOrder.nativeOrder());
            OffHeapIo.readFully(ch, lengths, HEADER + 8L * capacity);
            long total = 0;
            long[] len = new long[slabs];
            for (int s = 0; s < slabs; s++) {
                len[s] = lengths.getLong(8 * s);
                if (len[s] < 0 || len[s] > RecordLog.MAX_SLAB_BYTES) {
                    throw new IllegalArgumentException(file + ": corrupt slab table");
                }
                total += len[s];
            }
            if (ch.size() != tableEnd + total) {
                throw new IllegalArgumentException(file + " is " + ch.size() + " bytes, expected "
                        + (tableEnd + total) + " (truncated)");
            }
            Arena indexArena = Arena.ofShared();
            Arena slabArena = Arena.ofShared();
            try {
                MemorySegment index = ch.map(FileChannel.MapMode.PRIVATE, HEADER, 8L * capacity, indexArena);
                MemorySegment body = total == 0 ? MemorySegment.NULL
                        : ch.map(FileChannel.MapMode.PRIVATE, tableEnd, total, slabArena);
                if (verify) {
                    CRC32C crc = new CRC32C();
                    OffHeapIo.update(crc, index);
                    crc.update(lengths.rewind());
                    OffHeapIo.update(crc, body);
                    if ((int) crc.getValue() != expectedCrc) {
                        throw new IllegalArgumentException(file + ": corrupt segment (checksum mismatch)");
                    }
                }
                List<MemorySegment> slabList = new ArrayList<>();
                long at = 0;
                for (long l : len) {
                    slabList.add(body.asSlice(at, l));
                    at += l;
                }
                return new Loaded(index, indexArena, capacity, size, slabList, slabArena);
            } catch (RuntimeException e) {
                indexArena.close();
                slabArena.close();
                throw e;
            }
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException("segment file missing: " + file, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot map " + file + ": " + IoErrors.describe(e), e);
        }
    }
}
