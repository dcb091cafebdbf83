package dev.memkit.adversarial;

import dev.memkit.offheap.BytesMap;
import dev.memkit.offheap.LongLongMap;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Child-JVM writer killed with SIGKILL by {@link CrashRecoveryTest}: opens (or creates) a map and syncs round after
 * round, each round adding keys [1000 r, 1000 r + 1000) with value = key, printing "synced r" after each sync.
 * Arguments: directory, kind ({@code long} or {@code bytes}).
 */
public final class CrashingWriter {
    private CrashingWriter() {}

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        boolean exists = Files.exists(dir);
        if (args[1].equals("long")) {
            try (LongLongMap m = exists ? LongLongMap.open(dir)
                    : LongLongMap.builder().segments(4).directory(dir).build()) {
                for (long r = firstRound(m.size()); ; r++) {
                    for (long k = r * 1000; k < r * 1000 + 1000; k++) {
                        m.put(k, k);
                    }
                    m.sync();
                    System.out.println("synced " + r);
                }
            }
        }
        try (BytesMap m = exists ? BytesMap.open(dir) : BytesMap.builder().segments(4).directory(dir).build()) {
            for (long r = firstRound(m.size()); ; r++) {
                for (long k = r * 1000; k < r * 1000 + 1000; k++) {
                    m.put(key(k), key(k));
                }
                m.sync();
                System.out.println("synced " + r);
            }
        }
    }

    private static long firstRound(long size) {
        return size / 1000;
    }

    static byte[] key(long k) {
        return ByteBuffer.allocate(8).putLong(k).array();
    }
}
