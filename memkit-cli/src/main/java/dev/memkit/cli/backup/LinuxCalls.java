package dev.memkit.cli.backup;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * The few libc calls the receiver makes when the JDK has no equivalent, or only a slower one: {@code syncfs(2)} (make
 * a whole batch durable at once) and {@code utimensat(2)} by path (the JDK opens the file to set its times, one
 * more open per file). Bound only on Linux with native access granted (the memkit command grants it); otherwise
 * {@link #available()} is false and callers use the JDK. Stateless; thread-safe.
 */
final class LinuxCalls {
    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final int O_RDONLY_DIRECTORY = 0200000;
    private static final MethodHandle[] CALLS = bind(); // open, close, syncfs, utimensat; null when unavailable

    private LinuxCalls() {}

    static boolean available() {
        return CALLS != null;
    }

    @SuppressWarnings("restricted") // only with native access granted
    private static MethodHandle[] bind() {
        if (!System.getProperty("os.name", "").startsWith("Linux")
                || !LinuxCalls.class.getModule().isNativeAccessEnabled()) {
            return null;
        }
        try {
            Linker linker = Linker.nativeLinker();
            SymbolLookup libc = linker.defaultLookup();
            ValueLayout.OfInt i = ValueLayout.JAVA_INT;
            return new MethodHandle[] {
                    linker.downcallHandle(libc.find("open").orElseThrow(),
                            FunctionDescriptor.of(i, ValueLayout.ADDRESS, i), Linker.Option.firstVariadicArg(2)),
                    linker.downcallHandle(libc.find("close").orElseThrow(), FunctionDescriptor.of(i, i)),
                    linker.downcallHandle(libc.find("syncfs").orElseThrow(), FunctionDescriptor.of(i, i)),
                    linker.downcallHandle(libc.find("utimensat").orElseThrow(),
                            FunctionDescriptor.of(i, i, ValueLayout.ADDRESS, ValueLayout.ADDRESS, i))};
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** {@code syncfs} of the file system holding {@code dir}. */
    static void syncfs(Path dir) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            int fd = (int) CALLS[0].invokeExact(path(arena, dir), O_RDONLY_DIRECTORY);
            if (fd < 0) {
                throw new IOException("cannot open " + dir + " to sync it");
            }
            int rc = (int) CALLS[2].invokeExact(fd);
            int ignored = (int) CALLS[1].invokeExact(fd);
            if (rc != 0) {
                throw new IOException("syncfs of " + dir + " failed");
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("syncfs of " + dir + " failed: " + t, t);
        }
    }

    /** Sets access and modification time of {@code p} itself (a link is not followed). */
    static void setTimes(Path p, long nanos) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment times = arena.allocate(ValueLayout.JAVA_LONG, 4); // two struct timespec
            long sec = Math.floorDiv(nanos, 1_000_000_000L);
            long ns = Math.floorMod(nanos, 1_000_000_000L);
            times.setAtIndex(ValueLayout.JAVA_LONG, 0, sec);
            times.setAtIndex(ValueLayout.JAVA_LONG, 1, ns);
            times.setAtIndex(ValueLayout.JAVA_LONG, 2, sec);
            times.setAtIndex(ValueLayout.JAVA_LONG, 3, ns);
            if ((int) CALLS[3].invokeExact(AT_FDCWD, path(arena, p), times, AT_SYMLINK_NOFOLLOW) != 0) {
                throw new IOException("cannot set the times of " + p);
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("cannot set the times of " + p + ": " + t, t);
        }
    }

    /** A NUL-terminated copy of the path's raw bytes. */
    private static MemorySegment path(Arena arena, Path p) {
        byte[] name = RawNames.path(p.toAbsolutePath());
        MemorySegment s = arena.allocate(name.length + 1L);
        MemorySegment.copy(name, 0, s, ValueLayout.JAVA_BYTE, 0, name.length);
        return s;
    }
}
