package dev.memkit.internal;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Gives the physical pages of pooled memory back to the operating system while the pool keeps the memory:
 * {@code madvise(MADV_DONTNEED)} on Linux. The range stays mapped and reads as zeros; touching it again costs a
 * page fault, as fresh memory would. This is what lets a pool reuse big blocks without keeping every page a
 * previous holder touched resident (jemalloc's "purging"), and lets freed memory leave RSS even when the C heap
 * keeps the region for reuse. It also maps fresh anonymous memory ({@code mmap}, unmapped by {@code munmap}
 * when its arena closes) for big buffer slabs, which are then neither zeroed up front nor kept by a C heap.
 *
 * <p><b>When it is used.</b> Binding these calls needs a restricted FFM method
 * ({@code Linker.downcallHandle}), so it is bound only on Linux and only when the JVM already grants this
 * module native access ({@code --enable-native-access=dev.memkit}, or {@code ALL-UNNAMED} on the class path).
 * memkit therefore never makes the JDK print its restricted-method warning; without native access a pool
 * falls back to freeing whole idle slabs, and nothing else changes.
 *
 * <p><b>Safety.</b> Callers release only ranges they own exclusively (a buffer block just popped for a lease or
 * not yet returned to a free stack, a slab or a map table about to be freed), so no holder's data is dropped.
 * Only whole pages inside the range are released. Stateless; thread-safe.
 */
public final class PageRelease {
    private static final int MADV_DONTNEED = 4;
    private static final MethodHandle MADVISE;
    private static final MethodHandle MMAP;                 // null unless MADVISE and munmap are bound too
    private static final MethodHandle MUNMAP;
    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;
    /** The OS page size (4096 when page release is unavailable). */
    public static final long PAGE;

    static {
        MethodHandle madvise = null;
        MethodHandle mmap = null;
        MethodHandle munmap = null;
        long page = 4096;
        if (System.getProperty("os.name", "").startsWith("Linux")
                && PageRelease.class.getModule().isNativeAccessEnabled()) {
            try {
                MethodHandle pageSize = bind("getpagesize", FunctionDescriptor.of(ValueLayout.JAVA_INT));
                madvise = bind("madvise", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
                if (pageSize != null) {
                    page = (int) pageSize.invokeExact();
                }
                if (page <= 0 || Long.bitCount(page) != 1) {
                    madvise = null;
                }
                mmap = bind("mmap", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_LONG));
                munmap = bind("munmap", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                        ValueLayout.JAVA_LONG));
            } catch (Throwable e) { // any failure to bind only means no page release
                madvise = null;
            }
        }
        MADVISE = madvise;
        MMAP = madvise == null || munmap == null ? null : mmap;
        MUNMAP = munmap;
        PAGE = page;
    }

    private PageRelease() {}

    @SuppressWarnings("restricted") // bound only when native access is already granted; see the class comment
    private static MethodHandle bind(String name, FunctionDescriptor descriptor) {
        Linker linker = Linker.nativeLinker();
        return linker.defaultLookup().find(name)
                // Not a critical downcall: madvise can take milliseconds on big ranges, and a thread in a critical
                // call would hold back every safepoint (and so every GC pause) until it returns.
                .map(address -> linker.downcallHandle(address, descriptor))
                .orElse(null);
    }

    /**
     * Whether pages can be released in this JVM.
     *
     * @return true on Linux with native access granted to memkit
     */
    public static boolean available() {
        return MADVISE != null;
    }

    /**
     * Whether {@link #mapAnonymous} can map memory in this JVM.
     *
     * @return true on Linux with native access granted to memkit
     */
    public static boolean mappingAvailable() {
        return MMAP != null;
    }

    /**
     * Releases the whole pages inside {@code [from, to)} of {@code memory}; the caller must own that memory
     * exclusively.
     *
     * @param memory the segment
     * @param from first byte offset
     * @param to end byte offset (exclusive)
     * @return the bytes released (0 when unavailable, when no whole page lies inside, or if the OS refused)
     */
    public static long release(MemorySegment memory, long from, long to) {
        if (MADVISE == null) {
            return 0;
        }
        long base = memory.address();
        long start = (base + from + PAGE - 1) & -PAGE;
        long end = (base + to) & -PAGE;
        if (end <= start) {
            return 0;
        }
        try {
            int rc = (int) MADVISE.invokeExact(MemorySegment.ofAddress(start), end - start, MADV_DONTNEED);
            return rc == 0 ? end - start : 0;
        } catch (Throwable e) {
            throw new IllegalStateException("madvise failed", e); // cannot happen: the handle's type is fixed
        }
    }

    /**
     * Maps {@code bytes} of fresh anonymous memory for {@code arena}: closing the arena unmaps it. Unlike
     * {@code Arena.allocate}, the memory is not written (zeroed) up front, so only the pages a holder touches
     * become resident, and unmapping returns them to the OS at once (no C heap keeps them).
     *
     * @param bytes the size, a positive number of bytes (rounded up to whole pages)
     * @param arena the shared arena that owns the mapping
     * @return the mapped segment, or null when mapping is unavailable or the OS refused
     */
    @SuppressWarnings("restricted") // bound only when native access is already granted; see the class comment
    public static MemorySegment mapAnonymous(long bytes, java.lang.foreign.Arena arena) {
        if (MMAP == null) {
            return null;
        }
        long length = pageUp(bytes);
        MemorySegment address;
        try {
            address = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, length, PROT_READ_WRITE,
                    MAP_PRIVATE_ANONYMOUS, -1, 0L);
        } catch (Throwable e) {
            throw new IllegalStateException("mmap failed", e); // cannot happen: the handle's type is fixed
        }
        if (address.address() == -1L || address.address() == 0L) {
            return null; // MAP_FAILED
        }
        long base = address.address();
        return address.reinterpret(bytes, arena, unused -> unmap(base, length));
    }

    private static void unmap(long address, long length) {
        try {
            int rc = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(address), length);
            assert rc == 0 : "munmap failed";
        } catch (Throwable e) {
            throw new IllegalStateException("munmap failed", e); // cannot happen: the handle's type is fixed
        }
    }

    /**
     * {@code bytes} rounded up to whole pages.
     *
     * @param bytes a byte count
     * @return the rounded count
     */
    public static long pageUp(long bytes) {
        return (bytes + PAGE - 1) & -PAGE;
    }
}
