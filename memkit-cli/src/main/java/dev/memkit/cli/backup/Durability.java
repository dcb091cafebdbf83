package dev.memkit.cli.backup;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Makes a batch of written files durable at once. Forcing each small file as it is written costs a journal commit
 * per file (about 0.3 ms here, more than writing it); instead the receiver writes a batch, then flushes it:
 * with native access on Linux, one {@code syncfs(2)} of the output's file system (everything written is on disk
 * when it returns); otherwise each file and each directory that gained an entry is forced in turn. Not
 * thread-safe: one per connection.
 */
final class Durability {
    private static final MethodHandle OPEN;
    private static final MethodHandle SYNCFS;
    private static final MethodHandle CLOSE;
    private static final int O_RDONLY_DIRECTORY = 0200000;

    static {
        MethodHandle[] h = bind();
        OPEN = h == null ? null : h[0];
        SYNCFS = h == null ? null : h[1];
        CLOSE = h == null ? null : h[2];
    }

    /** open, syncfs and close from libc, or null without native access or off Linux (then: file by file). */
    @SuppressWarnings("restricted") // only with native access granted, which the memkit command grants
    private static MethodHandle[] bind() {
        if (!System.getProperty("os.name", "").startsWith("Linux")
                || !Durability.class.getModule().isNativeAccessEnabled()) {
            return null;
        }
        try {
            Linker linker = Linker.nativeLinker();
            var libc = linker.defaultLookup();
            return new MethodHandle[] {
                    linker.downcallHandle(libc.find("open").orElseThrow(), FunctionDescriptor.of(
                            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
                            Linker.Option.firstVariadicArg(2)),
                    linker.downcallHandle(libc.find("syncfs").orElseThrow(),
                            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT)),
                    linker.downcallHandle(libc.find("close").orElseThrow(),
                            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT))};
        } catch (RuntimeException e) {
            return null;
        }
    }

    private final Path root;
    private final boolean wholeFileSystem;
    private final List<Path> files = new ArrayList<>();
    private final Set<Path> dirs = new LinkedHashSet<>();

    Durability(Path root, boolean preferSyncfs) {
        this.root = root;
        this.wholeFileSystem = preferSyncfs && SYNCFS != null;
    }

    /** Whether a flush is one {@code syncfs} (else file by file). */
    boolean syncsFileSystem() {
        return wholeFileSystem;
    }

    /** A file was written (or a link or directory created) in {@code dir}: the next flush covers it. */
    void written(Path file, Path dir) {
        if (!wholeFileSystem) {
            if (file != null) {
                files.add(file);
            }
            dirs.add(dir);
        }
    }

    /** Everything written since the last flush is on disk when this returns. */
    void flush() throws IOException {
        if (wholeFileSystem) {
            syncfs();
            return;
        }
        for (Path f : files) {
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                ch.force(true);
            }
        }
        for (Path d : dirs) {
            try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ)) {
                ch.force(true);
            } catch (IOException notSupported) {
                // a platform that cannot open directories: the rename is durable with the file system's journal
            }
        }
        files.clear();
        dirs.clear();
    }

    private void syncfs() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            byte[] name = RawNames.path(root.toAbsolutePath());
            MemorySegment path = arena.allocate(name.length + 1L);
            MemorySegment.copy(name, 0, path, ValueLayout.JAVA_BYTE, 0, name.length);
            int fd = (int) OPEN.invokeExact(path, O_RDONLY_DIRECTORY);
            if (fd < 0) {
                throw new IOException("cannot open " + root + " to sync it");
            }
            try {
                if ((int) SYNCFS.invokeExact(fd) != 0) {
                    throw new IOException("syncfs of " + root + " failed");
                }
            } finally {
                int ignored = (int) CLOSE.invokeExact(fd);
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("syncfs of " + root + " failed: " + t, t);
        }
    }
}
