package dev.memkit.offheap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LongLongMapPersistenceTest {
    @TempDir
    Path tmp;

    @Test
    void reopenSeesEverythingAsOfTheLastSync() {
        Path dir = tmp.resolve("map");
        try (LongLongMap m = LongLongMap.builder().segments(4).expectedSize(0).directory(dir).build()) {
            assertTrue(m.persistent());
            for (long k = -500; k < 50_000; k++) {
                m.put(k, k * 3);
            }
            m.sync();
            m.remove(7);
            m.put(Long.MIN_VALUE, 1);
        }                                                        // close syncs
        assertEquals("rwx------", perms(dir));
        try (LongLongMap m = LongLongMap.openVerified(dir)) {
            assertEquals(50_500, m.size());
            assertEquals(0, m.getOrDefault(0, -1), "key 0 lives outside the tables");
            assertEquals(-1500, m.getOrDefault(-500, 0));
            assertFalse(m.containsKey(7));
            assertEquals(1, m.getOrDefault(Long.MIN_VALUE, 0));
            m.put(7, 21);                                        // keeps working after reopening, and grows
            for (long k = 50_000; k < 120_000; k++) {
                m.put(k, k * 3);
            }
            assertThrows(IllegalStateException.class, () -> LongLongMap.open(dir), "locked while open");
        }
        try (LongLongMap m = LongLongMap.open(dir)) {
            assertEquals(120_501, m.size());
            assertEquals(21, m.getOrDefault(7, 0));
        }
        assertThrows(IllegalArgumentException.class,
                () -> LongLongMap.builder().directory(dir).build(), "never overwrites");
    }

    private static String perms(Path p) {
        try {
            return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Killed after a sync and more changes: the reopened map is exactly the synced one. */
    @Test
    void aKilledWriterLeavesExactlyTheLastSync() throws Exception {
        Path dir = tmp.resolve("crash");
        Process p = start(Writer.class, dir);
        try (BufferedReader out = reader(p)) {
            assertEquals("ready", out.readLine());
            p.destroyForcibly();                                 // SIGKILL: no close, no sync
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        }
        try (LongLongMap m = LongLongMap.openVerified(dir)) {
            assertEquals(Writer.SYNCED, m.size(), "only the synced entries");
            for (long k = 1; k <= Writer.SYNCED; k++) {
                assertEquals(k, m.getOrDefault(k, -1), "synced value of " + k);
            }
        }
    }

    /** Killed at a random moment while syncing round after round: the map is some complete round. */
    @Test
    void aWriterKilledMidSyncLeavesACompleteRound() throws Exception {
        Path dir = tmp.resolve("midsync");
        Process p = start(Syncer.class, dir);
        long lastSynced;
        try (BufferedReader out = reader(p)) {
            String line = "";
            for (int i = 0; i < 4; i++) {
                line = out.readLine();
            }
            lastSynced = Long.parseLong(line.substring("synced ".length()));
            p.destroyForcibly();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        }
        try (LongLongMap m = LongLongMap.openVerified(dir)) {
            assertEquals(Syncer.KEYS, m.size());
            long round = m.getOrDefault(1, -1);
            assertTrue(round >= lastSynced, "at least the last reported sync: " + round + " < " + lastSynced);
            for (long k = 1; k <= Syncer.KEYS; k++) {
                assertEquals(round, m.getOrDefault(k, -1), "every key from the same round");
            }
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.filter(f -> f.getFileName().toString().startsWith("seg-")).count() <= 4 * 2,
                    "superseded generations are deleted (at most one pending set after a crash)");
        }
    }

    @Test
    void badDirectoriesGetClearExceptions() throws Exception {
        Path good = tmp.resolve("good");
        try (LongLongMap m = LongLongMap.builder().segments(2).directory(good).build()) {
            for (long k = 1; k < 1000; k++) {
                m.put(k, k);
            }
        }
        Path empty = Files.createDirectory(tmp.resolve("empty"));
        assertMessage(empty, "not a memkit map (no manifest)");

        Path flipped = Damage.copyDir(good, tmp.resolve("flipped"));
        Damage.flip(flipped.resolve("manifest"), 17, 0x5A);
        assertMessage(flipped, "corrupt manifest (checksum mismatch)");

        Path version = Damage.copyDir(good, tmp.resolve("version"));
        setVersion(version.resolve("manifest"), 7);
        assertMessage(version, "unsupported format version 7");

        Path missing = Damage.copyDir(good, tmp.resolve("missing"));
        Files.delete(Damage.segmentFiles(missing).getFirst());
        assertMessage(missing, "segment file missing");

        Path truncated = Damage.copyDir(good, tmp.resolve("truncated"));
        Damage.truncateBy(Damage.segmentFiles(truncated).getFirst(), 16);
        assertMessage(truncated, "truncated");

        Path table = Damage.copyDir(good, tmp.resolve("table"));
        Damage.flip(Damage.segmentFiles(table).getFirst(), MapFiles.HEADER + 40, 0x5A);
        try (LongLongMap m = LongLongMap.open(table)) {        // unverified open maps without reading
            assertTrue(m.size() > 0);
        }
        assertMessage(table, "corrupt table");

        Path foreign = Files.createDirectory(tmp.resolve("foreign"));
        Files.write(foreign.resolve("manifest"), "hello".getBytes(StandardCharsets.UTF_8));
        assertMessage(foreign, "not a memkit map");
    }

    private static void assertMessage(Path dir, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LongLongMap.openVerified(dir).close());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private static void setVersion(Path manifest, int version) throws Exception {
        byte[] b = Files.readAllBytes(manifest);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        bb.putInt(8, version);
        CRC32C crc = new CRC32C();
        crc.update(b, 0, b.length - 4);
        bb.putInt(b.length - 4, (int) crc.getValue());
        Files.write(manifest, b);
    }

    private static Process start(Class<?> main, Path dir) throws Exception {
        return new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-Xmx64m", "-cp",
                System.getProperty("java.class.path"), main.getName(), dir.toString()).redirectErrorStream(true)
                .start();
    }

    private static BufferedReader reader(Process p) {
        return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Child: syncs keys 1..SYNCED, then keeps changing the map without syncing until killed. */
    public static final class Writer {
        static final long SYNCED = 100_000;

        public static void main(String[] args) {
            LongLongMap m = LongLongMap.builder().segments(4).expectedSize(0).directory(Path.of(args[0])).build();
            for (long k = 1; k <= SYNCED; k++) {
                m.put(k, k);
            }
            m.sync();
            System.out.println("ready");
            System.out.flush();
            for (long k = 1; ; k++) {
                m.put(SYNCED + k, -k);                               // new keys, never synced
                m.put(1 + (k % SYNCED), -1);                         // overwrites of synced keys, never synced
            }
        }
    }

    /** Child: round after round, sets every key to the round number and syncs, reporting each sync. */
    public static final class Syncer {
        static final long KEYS = 20_000;

        public static void main(String[] args) {
            LongLongMap m = LongLongMap.builder().segments(4).expectedSize(KEYS).directory(Path.of(args[0])).build();
            for (long round = 1; ; round++) {
                for (long k = 1; k <= KEYS; k++) {
                    m.put(k, round);
                }
                m.sync();
                System.out.println("synced " + round);
                System.out.flush();
            }
        }
    }
}
