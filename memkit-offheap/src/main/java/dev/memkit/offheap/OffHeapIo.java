package dev.memkit.offheap;


import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.zip.CRC32C;

/**
 * What the off-heap structures share for their memory and files: budget charges, whole-buffer reads and writes,
 * and CRC32C over heap arrays and segments of any size. Stateless and thread-safe.
 */
final class OffHeapIo {
    private static final long CRC_CHUNK = 1L << 30;      // ByteBuffer views are int-sized

    private OffHeapIo() {}

    /** Reads from {@code position} until {@code b} is full or the file ends; returns the bytes read. */
    static int readFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
        int start = b.position();
        while (b.hasRemaining()) {
            int n = ch.read(b, position + b.position() - start);
            if (n < 0) {
                break;
            }
        }
        return b.position() - start;
    }

    static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    static int crc(byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        return (int) c.getValue();
    }

    static int crc(MemorySegment s) {
        CRC32C c = new CRC32C();
        update(c, s);
        return (int) c.getValue();
    }

    /** Adds a segment of any size to a running checksum. */
    static void update(CRC32C c, MemorySegment s) {
        for (long at = 0; at < s.byteSize(); at += CRC_CHUNK) {
            c.update(s.asSlice(at, Math.min(CRC_CHUNK, s.byteSize() - at)).asByteBuffer());
        }
    }
}
