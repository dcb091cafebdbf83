package dev.memkit.adversarial;

import dev.memkit.offheap.BytesMap;
import dev.memkit.offheap.LongLongMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Map directories abused as a crash, a careless operator or a hostile one would: leftovers, foreign files, lost locks. */
class PersistenceAbuseTest {
    @TempDir
    Path tmp;

    private static LongLongMap newLongMap(Path dir) {
        return LongLongMap.builder().segments(2).directory(dir).build();
    }

    @Test
    void aNextGenerationFileLeftByACrashedSyncDoesNotBreakTheNextSync() throws Exception {
        Path dir = tmp.resolve("long");
        try (LongLongMap m = newLongMap(dir)) {
            m.put(1, 10);
        }
        String current = currentSegmentFile(dir, 0);
        long g = Long.parseLong(current.substring(current.lastIndexOf('-') + 1));
        Files.copy(dir.resolve(current), dir.resolve("seg-0-" + (g + 1)));       // as a SIGKILL mid-sync leaves it
        Files.writeString(dir.resolve("manifest.tmp"), "half a manifest");
        try (LongLongMap m = LongLongMap.open(dir)) {
            assertEquals(10, m.getOrDefault(1, -1));
            for (long k = 2; k < 100; k++) {
                m.put(k, k * 10);
            }
            m.sync();
        }
        try (LongLongMap m = LongLongMap.openVerified(dir)) {
            for (long k = 1; k < 100; k++) {
                assertEquals(k * 10, m.getOrDefault(k, -1));
            }
        }
        assertTrue(Files.notExists(dir.resolve("manifest.tmp")));
    }

    @Test
    void aBytesMapRecoversFromTheSameLeftovers() throws Exception {
        Path dir = tmp.resolve("bytes");
        try (BytesMap m = BytesMap.builder().segments(2).directory(dir).build()) {
            m.put(bytes("a"), bytes("1"));
        }
        for (int i = 0; i < 2; i++) {
            String current = currentSegmentFile(dir, i);
            long g = Long.parseLong(current.substring(current.lastIndexOf('-') + 1));
            Files.copy(dir.resolve(current), dir.resolve("seg-" + i + "-" + (g + 1)));
        }
        try (BytesMap m = BytesMap.open(dir)) {
            m.put(bytes("b"), bytes("2"));
            m.sync();
        }
        try (BytesMap m = BytesMap.openVerified(dir)) {
            assertArrayEquals(bytes("1"), m.get(bytes("a")));
            assertArrayEquals(bytes("2"), m.get(bytes("b")));
        }
    }

    @Test
    void aSegmentFileFromAnotherMapIsRefusedByPlainOpen() throws Exception {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        try (LongLongMap m = newLongMap(a)) {
            m.put(1, 1);
        }
        try (LongLongMap m = newLongMap(b)) {
            m.put(1, 2);
        }
        String fileA = currentSegmentFile(a, 0);
        String fileB = currentSegmentFile(b, 0);
        Files.copy(b.resolve(fileB), a.resolve(fileA), StandardCopyOption.REPLACE_EXISTING);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LongLongMap.open(a));
        assertTrue(e.getMessage().contains("another map"), e.getMessage());
    }

    @Test
    void aSegmentFileFromAnOlderGenerationIsRefusedByPlainOpen() throws Exception {
        Path dir = tmp.resolve("gen");
        Path saved = tmp.resolve("saved");
        try (LongLongMap m = newLongMap(dir)) {
            for (long k = 0; k < 64; k++) {
                m.put(k, k);
            }
            m.sync();
            Files.copy(dir.resolve(currentSegmentFile(dir, 0)), saved);
            for (long k = 0; k < 64; k++) {
                m.put(k, -k);
            }
        }
        Files.copy(saved, dir.resolve(currentSegmentFile(dir, 0)), StandardCopyOption.REPLACE_EXISTING);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LongLongMap.open(dir));
        assertTrue(e.getMessage().contains("generation"), e.getMessage());
    }

    @Test
    void aBytesMapSegmentSwappedBetweenSegmentsIsRefused() throws Exception {
        Path dir = tmp.resolve("swap");
        try (BytesMap m = BytesMap.builder().segments(2).directory(dir).build()) {
            for (int i = 0; i < 50; i++) {
                m.put(bytes("k" + i), bytes("v" + i));
            }
        }
        Path s0 = dir.resolve(currentSegmentFile(dir, 0));
        Path s1 = dir.resolve(currentSegmentFile(dir, 1));
        Path t = tmp.resolve("t");
        Files.move(s0, t);
        Files.move(s1, s0);
        Files.move(t, s1);
        assertThrows(IllegalArgumentException.class, () -> BytesMap.open(dir));
    }

    @Test
    void closeReleasesTheLockAndMemoryEvenWhenItsFinalSyncFails() throws Exception {
        Path dir = tmp.resolve("lost-lock");
        LongLongMap m = newLongMap(dir);
        m.put(1, 1);
        m.sync();
        m.put(2, 2);
        Files.delete(dir.resolve("lock"));       // an operator "cleaning up"
        UncheckedIOException e = assertThrows(UncheckedIOException.class, m::close);
        assertTrue(e.getMessage().contains("without syncing"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> m.getOrDefault(1, 0)); // closed, memory freed
        try (LongLongMap again = LongLongMap.open(dir)) {            // not left locked or unopenable
            assertEquals(1, again.getOrDefault(1, -1));
            assertEquals(-1, again.getOrDefault(2, -1));
        }
    }

    @Test
    void aDeletedLockFileIsDetectedBeforeTwoOwnersWrite() throws Exception {
        Path dir = tmp.resolve("two-owners");
        LongLongMap first = newLongMap(dir);
        first.put(1, 1);
        first.sync();
        Files.delete(dir.resolve("lock"));
        try (LongLongMap second = LongLongMap.open(dir)) {       // nothing can stop this open: the lock is gone
            second.put(2, 2);
            first.put(3, 3);
            IllegalStateException e = assertThrows(IllegalStateException.class, first::sync);
            assertTrue(e.getMessage().contains("lock file"), e.getMessage());
            second.sync();
        }
        assertThrows(UncheckedIOException.class, first::close);     // its unsynced put is reported, not written
        try (LongLongMap m = LongLongMap.openVerified(dir)) {
            assertEquals(2, m.getOrDefault(2, -1));
            assertEquals(-1, m.getOrDefault(3, -1));
        }
    }

    @Test
    void closeWithoutChangesWritesNothing() throws Exception {
        Path dir = tmp.resolve("idle");
        try (LongLongMap m = newLongMap(dir)) {
            m.put(1, 1);
        }
        long before = Files.getLastModifiedTime(dir.resolve("manifest")).toMillis();
        Thread.sleep(20);
        try (LongLongMap m = LongLongMap.open(dir)) {
            assertEquals(1, m.getOrDefault(1, -1));
        }
        assertEquals(before, Files.getLastModifiedTime(dir.resolve("manifest")).toMillis());
    }

    /** The name of segment {@code i}'s newest file (the one the manifest names after a clean close). */
    static String currentSegmentFile(Path dir, int i) throws Exception {
        try (var files = Files.list(dir)) {
            Optional<String> newest = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("seg-" + i + "-"))
                    .max((x, y) -> Long.compare(gen(x), gen(y)));
            return newest.orElseThrow();
        }
    }

    private static long gen(String name) {
        return Long.parseLong(name.substring(name.lastIndexOf('-') + 1));
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
