package dev.memkit.buffer;

import dev.memkit.ByteSize;

import java.util.Arrays;

/**
 * The block sizes a {@link BufferPool} serves. A request is rounded up to the smallest class that holds it;
 * a request larger than the largest class is served by a dedicated allocation.
 *
 * <p>The {@linkplain #defaults() default} has four classes per doubling (16, 32, 48, 64, 80, ..., 128, 160,
 * 192, 224, 256, 320, ...) up to 16 MiB, so a block is never more than 25% larger than the request. The
 * {@linkplain #coarse() coarse} preset reproduces the classic 1 KiB / 100 KiB / 1 MiB / 16 MiB design.
 *
 * <p><b>Rounding waste.</b> The bytes a lease holds beyond its request, worst case per preset:
 * <table>
 *   <caption>Worst-case rounding waste, as a share of the block</caption>
 *   <tr><th>preset</th><th>requests</th><th>worst case</th></tr>
 *   <tr><td>defaults</td><td>from 64 B</td><td>under 20% of the block (a request just over a class boundary)</td></tr>
 *   <tr><td>defaults</td><td>17 B .. 63 B</td><td>up to 47% (the 16-byte quantum: 17 B takes a 32 B block)</td></tr>
 *   <tr><td>coarse</td><td>1 KiB + 1 B .. 100 KiB</td><td>99% (1,025 B in a 100 KiB block)</td></tr>
 *   <tr><td>coarse</td><td>100 KiB + 1 B .. 1 MiB</td><td>90% (100 KiB + 1 B in a 1 MiB block)</td></tr>
 *   <tr><td>coarse</td><td>1 MiB + 1 B .. 16 MiB</td><td>94% (1 MiB + 1 B in a 16 MiB block); with page release
 *       (Linux, native access granted) this class is served exact runs of pages instead, under 4 KiB</td></tr>
 * </table>
 * When a class has no free block but a bigger class at most twice the request has an idle one, the pool lends
 * that block rather than growing (it holds memory already, and lending it keeps each class from holding its own
 * peak); such a lease wastes at most half of its block. A pool's statistics
 * report the waste ({@link BufferPoolStats#roundingWasteBytes()}, per class, borrowed blocks counted on their own
 * class), and a {@link PoolExhaustedException} names it with the class that causes most of it.
 *
 * <p>Every class is a multiple of 16 bytes, so every pooled block is 16-byte aligned.
 *
 * <p>Immutable and thread-safe.
 *
 * @since 0.1
 */
public final class SizeClasses {
    /** Alignment and granularity of every class. */
    static final int QUANTUM = 16;
    /** Largest class accepted: a block must fit a {@code ByteBuffer} view. */
    static final long MAX_CLASS = 1L << 30;

    private final long[] sizes;
    /** For each ceil(log2(size)), the first class that can hold a size in that power-of-two range. */
    private final byte[] firstCandidate = new byte[65 * 4];   // by (bit length of size - 1, next 2 bits)

    private SizeClasses(long[] sizes) {
        this.sizes = sizes;
        for (int log = 0; log <= 64; log++) {
            for (int q = 0; q < 4; q++) {
                long lowerBound = cellLowerBound(log, q);
                int i = 0;
                while (i < sizes.length && sizes[i] < lowerBound) {
                    i++;
                }
                firstCandidate[log * 4 + q] = (byte) i;
            }
        }
    }

    /**
     * The smallest request in cell (log, q): requests whose {@code size - 1} has bit length {@code log} and, below
     * its top bit, the two bits {@code q} (cells below log 3 use q = 0 only). A class list with four classes per
     * doubling puts exactly one class boundary at the top of each cell, so the cell's first candidate is the answer.
     */
    private static long cellLowerBound(int log, int q) {
        if (log == 0) {
            return 1;
        }
        if (log < 3) {
            return (1L << (log - 1)) + 1;
        }
        if (log > 62) {
            return Long.MAX_VALUE;
        }
        return (1L << (log - 1)) + ((long) q << (log - 3)) + 1;
    }

    /**
     * Four classes per doubling from 16 B to 16 MiB (81 classes); internal waste under 25%.
     *
     * @return the default classes
     */
    public static SizeClasses defaults() {
        return geometric(16L << 20);
    }

    /**
     * Four classes per doubling from 16 B up to {@code largest}, which is rounded up to a class boundary.
     *
     * @param largest the largest class, at least 64 bytes and at most 1 GiB
     * @return the classes
     * @throws IllegalArgumentException if {@code largest} is out of range
     */
    public static SizeClasses geometric(long largest) {
        if (largest < 64 || largest > MAX_CLASS) {
            throw new IllegalArgumentException("largest class must be in [64 B, 1 GiB], got " + largest);
        }
        long[] out = new long[128];
        int n = 0;
        for (long s = 16; s <= 128; s += 16) {
            out[n++] = s;
        }
        for (long base = 128; out[n - 1] < largest; base <<= 1) {
            long step = base >> 2;
            for (int j = 1; j <= 4; j++) {
                out[n++] = base + j * step;
            }
        }
        int count = n;
        while (count > 1 && out[count - 2] >= largest) {
            count--;
        }
        return new SizeClasses(Arrays.copyOf(out, count));
    }

    /**
     * The coarse preset: 1 KiB, 100 KiB, 1 MiB and 16 MiB.
     *
     * @return the preset
     */
    public static SizeClasses coarse() {
        return of(1L << 10, 100L << 10, 1L << 20, 16L << 20);
    }

    /**
     * Custom classes. Each is rounded up to a multiple of 16 bytes.
     *
     * @param sizes class sizes in strictly increasing order, each in [1 B, 1 GiB]
     * @return the classes
     * @throws IllegalArgumentException if the list is empty, unordered, or has a size out of range
     */
    public static SizeClasses of(long... sizes) {
        if (sizes == null || sizes.length == 0) {
            throw new IllegalArgumentException("at least one size class is required");
        }
        if (sizes.length > 127) {
            throw new IllegalArgumentException("at most 127 size classes, got " + sizes.length);
        }
        long[] rounded = new long[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            long s = sizes[i];
            if (s < 1 || s > MAX_CLASS) {
                throw new IllegalArgumentException("size class " + s + " is outside [1 B, 1 GiB]");
            }
            rounded[i] = (s + QUANTUM - 1) & -QUANTUM;
            if (i > 0 && rounded[i] <= rounded[i - 1]) {
                throw new IllegalArgumentException("size classes must increase strictly (after rounding to 16 B): "
                        + Arrays.toString(sizes));
            }
        }
        return new SizeClasses(rounded);
    }

    /**
     * Parses a comma-separated list such as {@code "1k,100k,1m,16m"}, or the names {@code default} and
     * {@code coarse}.
     *
     * @param text the list
     * @return the classes
     * @throws IllegalArgumentException naming the offending entry
     */
    public static SizeClasses parse(String text) {
        String t = text == null ? "" : text.trim();
        if (t.equalsIgnoreCase("default")) {
            return defaults();
        }
        if (t.equalsIgnoreCase("coarse")) {
            return coarse();
        }
        String[] parts = t.split(",");
        long[] sizes = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            sizes[i] = ByteSize.parse("size class", parts[i]);
        }
        return of(sizes);
    }

    /**
     * Number of classes.
     *
     * @return the number of classes
     */
    public int count() {
        return sizes.length;
    }

    /**
     * Block size of one class.
     *
     * @param index class index, {@code 0 <= index < count()}
     * @return its block size in bytes
     */
    public long size(int index) {
        return sizes[index];
    }

    /**
     * The largest class.
     *
     * @return the largest block size
     */
    public long largest() {
        return sizes[sizes.length - 1];
    }

    /**
     * The class a request is served from.
     *
     * @param size requested bytes, positive
     * @return the index of the smallest class holding {@code size}, or -1 if it is larger than every class
     */
    public int indexFor(long size) {
        long m = size - 1;
        int log = 64 - Long.numberOfLeadingZeros(m);
        int q = log < 3 ? 0 : (int) (m >>> (log - 3)) & 3;
        int i = firstCandidate[log * 4 + q];
        while (i < sizes.length && sizes[i] < size) {
            i++;
        }
        return i < sizes.length ? i : -1;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SizeClasses other && Arrays.equals(sizes, other.sizes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(sizes);
    }

    @Override
    public String toString() {
        if (sizes.length <= 8) {
            StringBuilder sb = new StringBuilder("SizeClasses[");
            for (int i = 0; i < sizes.length; i++) {
                sb.append(i == 0 ? "" : ", ").append(ByteSize.format(sizes[i]));
            }
            return sb.append(']').toString();
        }
        return "SizeClasses[" + sizes.length + " classes, " + ByteSize.format(sizes[0]) + " .. "
                + ByteSize.format(largest()) + "]";
    }
}
