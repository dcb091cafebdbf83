package dev.memkit.bench;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What it costs to reuse a resident page by moving it rather than to fault in a fresh one: the question behind a
 * pool that would recycle the physical pages of freed buffers into new ones of any size ({@code mremap} with
 * {@code MREMAP_FIXED | MREMAP_DONTUNMAP}: the pages move to the new address, the old range stays mapped and empty)
 * instead of keeping free pages resident where they lie. Moves ranges of 16, 256 and 4,096 pages back and forth
 * inside one mapping, checks the data survived without a fault, and compares with dropping the same number of pages
 * ({@code MADV_DONTNEED}) and touching them again.
 *
 * <p>Run: {@code java --enable-native-access=ALL-UNNAMED -cp memkit-bench/target/benchmarks.jar
 * dev.memkit.bench.PageMoveCost} (Linux only).
 */
public final class PageMoveCost {
    private static final long PAGE = 4096;
    private static final long HALF = 128L << 20;
    private static final int MREMAP_MAYMOVE = 1;
    private static final int MREMAP_FIXED = 2;
    private static final int MREMAP_DONTUNMAP = 4;
    private static final int MADV_DONTNEED = 4;

    private PageMoveCost() {}

    @SuppressWarnings("restricted") // a benchmark of system calls: run with --enable-native-access
    public static void main(String[] args) throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle mmap = bind(linker, "mmap", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_LONG));
        MethodHandle mremap = bind(linker, "mremap", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS),
                Linker.Option.firstVariadicArg(4));
        MethodHandle madvise = bind(linker, "madvise", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
        MemorySegment mapping = (MemorySegment) mmap.invokeExact(MemorySegment.NULL, 2 * HALF, 0x1 | 0x2,
                0x02 | 0x20, -1, 0L);
        if (mapping.address() == -1L) {
            throw new IllegalStateException("mmap failed");
        }
        MemorySegment m = mapping.reinterpret(2 * HALF);
        for (long at = 0; at < HALF; at += PAGE) {
            m.set(ValueLayout.JAVA_BYTE, at, (byte) 7);
        }
        for (long pages : new long[] {16, 256, 4096}) {
            long bytes = pages * PAGE;
            int moves = (int) Math.min(1000, HALF / bytes);
            long faults = minorFaults();
            long start = System.nanoTime();
            for (int i = 0; i < moves; i++) {
                long low = m.address() + i * bytes;
                move(mremap, low, low + HALF, bytes);
                move(mremap, low + HALF, low, bytes);
            }
            double perMove = (System.nanoTime() - start) / 1e3 / (2.0 * moves);
            long sum = 0;
            for (long at = 0; at < HALF; at += PAGE) {
                sum += m.get(ValueLayout.JAVA_BYTE, at);
            }
            if (sum != 7 * (HALF / PAGE)) {
                throw new IllegalStateException("data lost in the moves");
            }
            System.out.printf(Locale.ROOT, "move %5d pages: %7.2f us per move (%.3f us per page), %d faults in all%n",
                    pages, perMove, perMove / pages, minorFaults() - faults);
        }
        long faults = minorFaults();
        long start = System.nanoTime();
        int rc = (int) madvise.invokeExact(MemorySegment.ofAddress(m.address()), HALF, MADV_DONTNEED);
        for (long at = 0; at < HALF; at += PAGE) {
            m.set(ValueLayout.JAVA_BYTE, at, (byte) 1);
        }
        System.out.printf(Locale.ROOT, "drop and fault in again: %.3f us per page (%d faults, madvise rc %d)%n",
                (System.nanoTime() - start) / 1e3 / (HALF / PAGE), minorFaults() - faults, rc);
    }

    private static void move(MethodHandle mremap, long from, long to, long bytes) throws Throwable {
        MemorySegment r = (MemorySegment) mremap.invokeExact(MemorySegment.ofAddress(from), bytes, bytes,
                MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, MemorySegment.ofAddress(to));
        if (r.address() == -1L) {
            throw new IllegalStateException("mremap failed (needs Linux 5.7+ for MREMAP_DONTUNMAP)");
        }
    }

    @SuppressWarnings("restricted")
    private static MethodHandle bind(Linker linker, String name, FunctionDescriptor d, Linker.Option... options) {
        return linker.downcallHandle(linker.defaultLookup().find(name).orElseThrow(), d, options);
    }

    private static long minorFaults() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[7]);
    }
}
