package dev.memkit.offheap;

import dev.memkit.region.NativeRegion;
import dev.memkit.budget.MemoryBudget;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Append-only storage of {@link BytesMap} records in native slabs. Overwritten and removed records stay where
 * they are as garbage until {@link BytesMap} compacts the log (copies the live records into a fresh log).
 *
 * <pre>
 *   record (unaligned, packed back to back in a slab)
 *   +----------------+------------------+-----------------+-------------------+
 *   | keyLen varint  | valueLen varint  | key (keyLen)    | value (valueLen)  |
 *   | 1-5 bytes      | 1-5 bytes        |                 |                   |
 *   +----------------+------------------+-----------------+-------------------+
 *
 *   address (40 bits) = slab index (16 bits) : offset in the slab (24 bits)
 * </pre>
 *
 * <p>A 16-byte key with a 100-byte value costs 2 bytes of header. A record larger than the slab size gets a slab of
 * its own. Not thread-safe: guarded by the owning segment's lock. Owns its slabs' arenas; {@link #free()} closes
 * them, after which reads through stale addresses throw {@link IllegalStateException}.
 */
final class RecordLog {
    static final int OFFSET_BITS = 24;
    static final long MAX_SLAB_BYTES = 1L << OFFSET_BITS;
    static final int MAX_SLABS = 1 << 16;
    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;

    private final long slabBytes;
    private final MemoryBudget budget;
    private final List<Runnable> owned = new ArrayList<>();   // frees each slab: a native region, or a file mapping
    private final List<MemorySegment> slabs = new ArrayList<>();
    private MemorySegment current;        // the slab being appended to, or null
    private long used;                    // bytes used in `current`
    long recordBytes;                     // bytes of every record ever appended (live + garbage)
    long reservedBytes;                   // native bytes held by all slabs

    RecordLog(long slabBytes, MemoryBudget budget) {
        this.slabBytes = slabBytes;
        this.budget = budget;
    }

    /**
     * A log over slabs mapped from a segment file (owned through {@code arena}); new records go to new native
     * slabs. Mapped slabs are not charged to the budget.
     */
    RecordLog(long slabBytes, MemoryBudget budget, java.util.List<MemorySegment> mapped, Arena arena) {
        this(slabBytes, budget);
        owned.add(arena::close);
        slabs.addAll(mapped);
        for (MemorySegment m : mapped) {
            recordBytes += m.byteSize();
        }
    }

    int slabCount() {
        return slabs.size();
    }

    static int varintSize(long v) {
        int n = 1;
        while ((v >>>= 7) != 0) {
            n++;
        }
        return n;
    }

    /** Appends a record and returns its address. */
    long append(MemorySegment key, MemorySegment value) {
        long k = key.byteSize();
        long v = value.byteSize();
        long size = varintSize(k) + varintSize(v) + k + v;
        if (current == null || used + size > current.byteSize()) {
            newSlab(Math.max(slabBytes, size));
        }
        long offset = used;
        long p = writeVarint(current, offset, k);
        p = writeVarint(current, p, v);
        MemorySegment.copy(key, 0, current, p, k);
        MemorySegment.copy(value, 0, current, p + k, v);
        used += size;
        recordBytes += size;
        return ((long) (slabs.size() - 1) << OFFSET_BITS) | offset;
    }

    private void newSlab(long bytes) {
        if (slabs.size() == MAX_SLABS) {
            throw new IllegalStateException("BytesMap segment log is full (" + MAX_SLABS + " slabs); use larger"
                    + " slabs or more segments");
        }
        if (bytes > MAX_SLAB_BYTES) {
            throw new IllegalArgumentException("a BytesMap record cannot exceed " + MAX_SLAB_BYTES + " bytes: " + bytes);
        }
        NativeRegion slab = NativeRegion.allocate(bytes, 8, budget);
        owned.add(slab::close);
        current = slab.memory();
        slabs.add(current);
        used = 0;
        reservedBytes += bytes;
    }

    private static long writeVarint(MemorySegment s, long at, long v) {
        while ((v & ~0x7FL) != 0) {
            s.set(BYTE, at++, (byte) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        s.set(BYTE, at++, (byte) v);
        return at;
    }

    MemorySegment slab(long address) {
        return slabs.get((int) (address >>> OFFSET_BITS));
    }

    static long offset(long address) {
        return address & (MAX_SLAB_BYTES - 1);
    }

    /**
     * Decodes a record's header without allocating: key length (bits 28-51), value length (bits 4-27) and header
     * length (bits 0-3) packed in one long.
     */
    long header(long address) {
        MemorySegment s = slab(address);
        long p = offset(address);
        long start = p;
        long k = 0;
        int shift = 0;
        byte b;
        do {
            b = s.get(BYTE, p++);
            k |= (long) (b & 0x7F) << shift;
            shift += 7;
        } while (b < 0);
        long v = 0;
        shift = 0;
        do {
            b = s.get(BYTE, p++);
            v |= (long) (b & 0x7F) << shift;
            shift += 7;
        } while (b < 0);
        return (k << 28) | (v << 4) | (p - start);
    }

    static long keyLength(long header) {
        return header >>> 28;
    }

    static long valueLength(long header) {
        return (header >>> 4) & 0xFF_FFFF;
    }

    /** Where the key starts in the record's slab. */
    static long keyOffset(long address, long header) {
        return offset(address) + (header & 0xF);
    }

    static long recordSize(long keyLen, long valueLen) {
        return varintSize(keyLen) + varintSize(valueLen) + keyLen + valueLen;
    }

    /** Frees every slab. */
    void free() {
        owned.forEach(Runnable::run); // each native slab returns its own charge
        owned.clear();
        slabs.clear();
        current = null;
        reservedBytes = 0;
        recordBytes = 0;
    }
}
