package dev.memkit.offheap;

import dev.memkit.budget.BudgetExceededException;
import dev.memkit.budget.MemoryBudget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BigArraysTest {
    @TempDir
    Path dir;

    @Test
    void nativeArraysReadWriteFillAndRefuseBadUse() {
        LongArray a = LongArray.allocate(1000);
        assertFalse(a.mapped());
        a.set(999, 7);
        assertEquals(7, a.get(999));
        assertEquals(0, a.get(0), "zeroed");
        assertThrows(IndexOutOfBoundsException.class, () -> a.get(1000));
        assertThrows(IndexOutOfBoundsException.class, () -> a.set(-1, 1));
        a.fill(3);
        assertEquals(3, a.get(500));
        a.close();
        assertThrows(IllegalStateException.class, () -> a.get(0));
        assertThrows(IllegalArgumentException.class, () -> LongArray.allocate(-1));
        assertThrows(IllegalArgumentException.class, () -> LongArray.allocate(Long.MAX_VALUE / 2));
        try (ByteArray b = ByteArray.allocate(16)) {
            b.copyFrom(4, new byte[] {1, 2, 3});
            byte[] out = new byte[5];
            b.copyTo(3, out);
            assertArrayEquals(new byte[] {0, 1, 2, 3, 0}, out);
            assertThrows(IndexOutOfBoundsException.class, () -> b.copyFrom(15, new byte[2]));
        }
    }

    @Test
    void budgetsAreChargedAndRefused() {
        MemoryBudget budget = MemoryBudget.root("arrays", 1 << 20);
        try (LongArray a = LongArray.allocate(100_000, budget)) {
            assertEquals(800_000, budget.used());
            assertThrows(BudgetExceededException.class, () -> LongArray.allocate(100_000, budget));
            assertEquals(100_000, a.length());
        }
        assertEquals(0, budget.used());
    }

    @Test
    void aFileReopensInstantlyWithItsSyncedData() throws Exception {
        Path f = dir.resolve("a.mkarray");
        try (LongArray a = LongArray.create(f, 3_000_000)) {
            assertTrue(a.mapped());
            for (long i = 0; i < a.length(); i += 1000) {
                a.set(i, i * 3);
            }
        }
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        try (LongArray a = LongArray.openVerified(f)) {
            assertFalse(a.recovered());
            assertEquals(3_000_000, a.length());
            assertEquals(2_999_000L * 3, a.get(2_999_000));
            assertEquals(0, a.get(1));
            assertThrows(IllegalStateException.class, () -> LongArray.open(f), "locked while open");
        }
        assertThrows(IllegalArgumentException.class, () -> LongArray.create(f, 10), "never overwrites");
    }

    @Test
    void everyElementTypeReopensItsOwnFileAndRefusesTheOther() throws Exception {
        Path bytes = dir.resolve("kinds.bytes.mkarray");
        Path longs = dir.resolve("kinds.longs.mkarray");
        try (ByteArray b = ByteArray.create(bytes, 5000); LongArray l = LongArray.create(longs, 5000)) {
            b.set(4999, (byte) -3);
            l.set(4999, -3L);
        }
        assertEquals(ArrayStorage.HEADER + ArrayStorage.HEADER + 5000, Files.size(bytes), "1 byte an element");
        assertEquals(ArrayStorage.HEADER + ArrayStorage.HEADER + 8 * 5000, Files.size(longs), "8 bytes an element");
        try (ByteArray b = ByteArray.openVerified(bytes); LongArray l = LongArray.openVerified(longs)) {
            assertEquals(5000, b.length());
            assertEquals(-3, b.get(4999));
            assertEquals(5000, l.length());
            assertEquals(-3L, l.get(4999));
        }
        assertThrows(IllegalArgumentException.class, () -> LongArray.open(bytes));
        assertThrows(IllegalArgumentException.class, () -> ByteArray.open(longs));
    }

    @Test
    void moreThanTwoToTheThirtyOneElements() {
        long n = (1L << 31) + 3;
        Path f = dir.resolve("big.mkarray");
        try (LongArray a = LongArray.create(f, n)) {      // sparse: only touched pages take space
            a.set(n - 1, -9);
            a.set(1L << 31, 77);
        }
        try (LongArray a = LongArray.open(f)) {
            assertEquals(n, a.length());
            assertEquals(-9, a.get(n - 1));
            assertEquals(77, a.get(1L << 31));
        }
        try (ByteArray b = ByteArray.create(dir.resolve("bytes.mkarray"), (1L << 31) + 10)) {
            b.set((1L << 31) + 9, (byte) 5);
            assertEquals(5, b.get((1L << 31) + 9));
        }
    }

    @Test
    void badFilesGetClearExceptions() throws Exception {
        Path good = dir.resolve("good.mkarray");
        try (LongArray a = LongArray.create(good, 200_000)) {
            a.set(5, 5);
        }
        long size = Files.size(good);

        Path truncated = copy(good, "truncated.mkarray");
        try (FileChannel ch = FileChannel.open(truncated, StandardOpenOption.WRITE)) {
            ch.truncate(size - 1);
        }
        assertMessage(truncated, "truncated or extended");

        Path tiny = dir.resolve("tiny.mkarray");
        Files.write(tiny, new byte[100]);
        assertMessage(tiny, "shorter than the 4096-byte header");

        Path foreign = dir.resolve("foreign.bin");
        byte[] noise = new byte[8192];
        new java.util.Random(1).nextBytes(noise);
        Files.write(foreign, noise);
        assertMessage(foreign, "not a memkit array file");

        Path flipped = copy(good, "flipped.mkarray");
        Damage.flip(flipped, 17, 0x7F);                     // the length field, checksum now wrong
        assertMessage(flipped, "corrupt header");

        Path version = copy(good, "version.mkarray");
        rewriteHeader(version, 8, 99);
        assertMessage(version, "unsupported format version 99");

        assertThrows(IllegalArgumentException.class, () -> ByteArray.open(good), "8-byte elements, not 1");

        Path data = copy(good, "data.mkarray");
        Damage.flip(data, size - 3, 1);
        try (LongArray a = LongArray.open(data)) {         // unverified open maps without reading
            assertEquals(200_000, a.length());
        }
        assertMessage(data, "corrupt data");
    }

    private static void assertMessage(Path f, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LongArray.openVerified(f));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private Path copy(Path f, String name) throws Exception {
        return Files.copy(f, dir.resolve(name));
    }

    /** Writes an int field and a valid header checksum, as a newer memkit would. */
    private static void rewriteHeader(Path f, int at, int value) throws Exception {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer h = ByteBuffer.allocate(36).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(h, 0);
            h.putInt(at, value);
            CRC32C crc = new CRC32C();
            crc.update(h.array(), 0, 32);
            h.putInt(32, (int) crc.getValue());
            h.rewind();
            ch.write(h, 0);
        }
    }

    /** A writer killed with SIGKILL after a sync and more writes: the file reopens with the synced data. */
    @Test
    void aKilledWriterLeavesEverySyncedElement() throws Exception {
        Path f = dir.resolve("crash.mkarray");
        Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-Xmx64m",
                "-cp", System.getProperty("java.class.path"), Writer.class.getName(), f.toString())
                .redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line = out.readLine();
            assertEquals("ready", line, "the writer synced and kept writing");
            p.destroyForcibly();                            // SIGKILL on Linux: no shutdown hooks, no close
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        }
        try (LongArray a = LongArray.open(f)) {
            assertTrue(a.recovered(), "written after its last sync");
            for (long i = 0; i < a.length(); i++) {
                long v = a.get(i);
                if (i < Writer.UNSYNCED) {
                    assertTrue(v == i || v == -1, "element " + i + " = " + v);
                } else {
                    assertEquals(i, v, "synced element " + i);
                }
            }
        }
        try (LongArray a = LongArray.openVerified(f)) {
            assertFalse(a.recovered(), "closing synced it cleanly");
        }
    }

    /** The child: writes, syncs, writes more without syncing, says ready, and waits to be killed. */
    public static final class Writer {
        static final long UNSYNCED = 50_000;

        public static void main(String[] args) throws Exception {
            LongArray a = LongArray.create(Path.of(args[0]), 1_000_000);
            for (long i = 0; i < a.length(); i++) {
                a.set(i, i);
            }
            a.sync();
            for (long i = 0; i < UNSYNCED; i++) {
                a.set(i, -1);
            }
            System.out.println("ready");
            System.out.flush();
            while (true) {
                for (long i = 0; i < UNSYNCED; i++) {
                    a.set(i, a.get(i) == -1 ? i : -1);     // keep writing until killed
                }
            }
        }
    }
}
