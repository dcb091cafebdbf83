package dev.memkit.offheap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BytesMapPersistenceTest {
    @TempDir
    Path tmp;

    static byte[] value(int i, int round) {
        byte[] v = new byte[8 + i % 50];
        ByteBuffer.wrap(v).putInt(i).putInt(round);
        return v;
    }

    @Test
    void reopenSeesEverythingAsOfTheLastSyncCompacted() {
        Path dir = tmp.resolve("bytes");
        try (BytesMap m = BytesMap.builder().segments(4).slabBytes(64 * 1024).directory(dir).build()) {
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 20_000; i++) {
                    m.put(BytesMapModelTest.key(i), value(i, round));      // overwrites leave garbage
                }
            }
            m.remove(BytesMapModelTest.key(5));
            m.put(new byte[0], new byte[] {42});                         // the empty key is a key too
        }
        try (BytesMap m = BytesMap.openVerified(dir)) {
            assertEquals(20_000, m.size());
            assertArrayEquals(value(7, 2), m.get(BytesMapModelTest.key(7)));
            assertNull(m.get(BytesMapModelTest.key(5)));
            assertArrayEquals(new byte[] {42}, m.get(new byte[0]));
            assertEquals(0, m.garbageBytes(), "segments are written compacted");
            for (int i = 20_000; i < 30_000; i++) {                       // and keep working after reopening
                m.put(BytesMapModelTest.key(i), value(i, 9));
            }
            m.put(BytesMapModelTest.key(7), value(7, 9));
        }
        try (BytesMap m = BytesMap.open(dir)) {
            assertEquals(30_000, m.size());
            assertArrayEquals(value(7, 9), m.get(BytesMapModelTest.key(7)));
            assertArrayEquals(value(25_000, 9), m.get(BytesMapModelTest.key(25_000)));
        }
    }

    @Test
    void aKilledWriterLeavesExactlyTheLastSync() throws Exception {
        Path dir = tmp.resolve("crash");
        Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-Xmx64m", "-cp",
                System.getProperty("java.class.path"), Writer.class.getName(), dir.toString())
                .redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
            assertEquals("ready", out.readLine());
            p.destroyForcibly();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        }
        try (BytesMap m = BytesMap.openVerified(dir)) {
            assertEquals(Writer.SYNCED, m.size());
            for (int i = 0; i < Writer.SYNCED; i++) {
                assertArrayEquals(value(i, 1), m.get(BytesMapModelTest.key(i)), "synced value of " + i);
            }
        }
    }

    /** Child: syncs SYNCED keys, then keeps changing the map without syncing until killed. */
    public static final class Writer {
        static final int SYNCED = 10_000;

        public static void main(String[] args) {
            BytesMap m = BytesMap.builder().segments(4).slabBytes(64 * 1024).directory(Path.of(args[0])).build();
            for (int i = 0; i < SYNCED; i++) {
                m.put(BytesMapModelTest.key(i), value(i, 1));
            }
            m.sync();
            System.out.println("ready");
            System.out.flush();
            for (int round = 2; ; round++) {
                for (int i = 0; i < 2 * SYNCED; i++) {
                    m.put(BytesMapModelTest.key(i), value(i, round));
                }
            }
        }
    }

    @Test
    void badDirectoriesGetClearExceptions() throws Exception {
        Path good = tmp.resolve("good");
        try (BytesMap m = BytesMap.builder().segments(2).directory(good).build()) {
            for (int i = 0; i < 500; i++) {
                m.put(BytesMapModelTest.key(i), value(i, 1));
            }
        }
        Path longs = tmp.resolve("longs");
        LongLongMap.builder().segments(2).directory(longs).build().close();
        IllegalArgumentException kind = assertThrows(IllegalArgumentException.class, () -> BytesMap.open(longs));
        assertTrue(kind.getMessage().contains("holds a LongLongMap"), kind.getMessage());

        Path truncated = Damage.copyDir(good, tmp.resolve("truncated"));
        Damage.truncateBy(Damage.segmentFiles(truncated).getFirst(), 1);
        assertMessage(truncated, "truncated");

        Path missing = Damage.copyDir(good, tmp.resolve("missing"));
        Files.delete(Damage.segmentFiles(missing).getLast());
        assertMessage(missing, "segment file missing");

        Path body = Damage.copyDir(good, tmp.resolve("body"));
        Path seg = Damage.segmentFiles(body).getFirst();
        Damage.flip(seg, Files.size(seg) - 3, 0x21);
        try (BytesMap m = BytesMap.open(body)) {               // unverified: maps without reading
            assertEquals(500, m.size());
        }
        assertMessage(body, "checksum mismatch");
    }

    private static void assertMessage(Path dir, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BytesMap.openVerified(dir).close());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
