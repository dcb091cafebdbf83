package dev.memkit.offheap;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;

/** Exclusive locks on memkit's files, so two processes (or two opens in one JVM) never map the same data. */
final class FileLocks {
    private FileLocks() {}

    /**
     * Locks the whole file behind {@code channel}.
     *
     * @throws IllegalStateException if it is locked already, here or in another process
     */
    static FileLock lock(FileChannel channel, Path what) throws IOException {
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            throw new IllegalStateException(what + " is open elsewhere (locked)");
        }
        return lock;
    }
}
