package dev.memkit.cli.backup;

import dev.memkit.buffer.SizeClasses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Backups of real trees restore exactly: every kind of entry, metadata, links and raw names. */
class BackupRoundTripTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @CsvSource({"naive-direct,zstd", "naive-heap,deflate", "pooled,zstd", "pooled-coarse,deflate"})
    void everyKindOfEntryComesBackExactly(String mode, String codec) throws Exception {
        Path src = Trees.everyKind(tmp.resolve("src"));
        Path out = tmp.resolve("out");
        Sender.Result r;
        try (Buffers buffers = switch (mode) {
            case "naive-direct" -> Buffers.naive(true);
            case "naive-heap" -> Buffers.naive(false);
            case "pooled" -> Buffers.pooled(SizeClasses.defaults(), 256L << 20);
            default -> Buffers.pooled(SizeClasses.coarse(), 256L << 20);
        }) {
            r = Trees.backup(src, out, buffers, codec);
        }
        assertTrue(r.ok(), r.skipped() + " " + r.failures());
        assertEquals(r.entries(), r.written());
        assertEquals(List.of(), TreeDiff.compare(src, out));
        assertTrue(Files.isSymbolicLink(out.resolve("java-link")), "links stay links");
        assertEquals(Files.readAttributes(out.resolve("bin/java"), "unix:ino").get("ino"),
                Files.readAttributes(out.resolve("java-hardlink"), "unix:ino").get("ino"), "hard links stay joined");
    }

    @Test
    void whatCannotBeBackedUpIsNamedAndFailsTheBackup() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("ok.txt"), "fine");
        Process mkfifo = new ProcessBuilder("mkfifo", src.resolve("a-fifo").toString()).start();
        assertEquals(0, mkfifo.waitFor());
        Sender.Result r = Trees.backup(src, tmp.resolve("out"), Buffers.naive(false), "zstd");
        assertFalse(r.ok());
        assertEquals(1, r.skipped().size(), r.skipped().toString());
        assertTrue(r.skipped().getFirst().contains("a-fifo") && r.skipped().getFirst().contains("FIFO"),
                r.skipped().toString());
        assertEquals(r.expected(), r.written(), "everything else made it");
        assertTrue(Files.exists(tmp.resolve("out/ok.txt")));
        List<String> diff = TreeDiff.compare(src, tmp.resolve("out"));
        assertEquals(1, diff.size(), diff.toString());
        assertTrue(diff.getFirst().contains("FIFO"), diff.toString());
    }

    @Test
    void aFileChangingWhileReadIsReportedAndNotKept() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path file = src.resolve("growing.log");
        Files.write(file, new byte[3 << 20]);
        Files.writeString(src.resolve("steady.txt"), "steady");
        Buffers appendsOnce = new Buffers() {
            private final Buffers inner = Buffers.naive(false);
            private int calls;

            @Override
            public Loan get(int size) {
                if (++calls == 2) { // while the first block is being filled from growing.log
                    try {
                        Files.write(file, new byte[50_000], java.nio.file.StandardOpenOption.APPEND);
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }
                return inner.get(size);
            }
        };
        Sender.Result r = Trees.backup(src, tmp.resolve("out"), appendsOnce, "zstd");
        assertFalse(r.ok());
        assertTrue(r.skipped().toString().contains("growing.log") && r.skipped().toString().contains("changed"),
                r.skipped().toString());
        assertTrue(r.failures().isEmpty(), r.failures().toString());
        assertFalse(Files.exists(tmp.resolve("out/growing.log")), "an inconsistent copy is never kept");
        assertTrue(Files.exists(tmp.resolve("out/steady.txt")));
    }

    @Test
    void aReceiverDyingMidStreamFailsTheBackup() throws Exception {
        Path src = Trees.everyKind(tmp.resolve("src"));
        Receiver receiver = new Receiver(Trees.LOOPBACK, 0, tmp.resolve("out"));
        Sender.Result r = new Sender(src, new InetSocketAddress(Trees.LOOPBACK, receiver.port()), 2,
                Buffers.naive(false), () -> Codec.create("zstd", 1), (entries, bytes) -> {
                    if (entries == 3) {
                        try {
                            receiver.close();
                        } catch (IOException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                }).run();
        assertFalse(r.ok());
        assertTrue(r.written() < r.entries());
        assertFalse(r.failures().isEmpty());
    }

    @Test
    void anUnreachableReceiverIsAClearFailure() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, Trees.LOOPBACK)) {
            port = s.getLocalPort();
        }
        Sender.Result r = new Sender(src, new InetSocketAddress(Trees.LOOPBACK, port), 2, Buffers.naive(false),
                () -> Codec.create("zstd", 1), (e, b) -> { }).run();
        assertFalse(r.ok());
        assertTrue(r.failures().getFirst().contains("unreachable"), r.failures().toString());
    }

    @Test
    void fileByFileDurabilityRestoresTheSameTree() throws Exception {
        Path src = Trees.everyKind(tmp.resolve("src"));
        Path out = tmp.resolve("out");
        try (Receiver r = new Receiver(Trees.LOOPBACK, 0, out, false)) {
            Sender.Result result = new Sender(src, new InetSocketAddress(Trees.LOOPBACK, r.port()), 1,
                    Buffers.naive(true), () -> Codec.create("zstd", 1), (e, b) -> { }).run();
            assertTrue(result.ok(), result.failures().toString());
        }
        assertEquals(List.of(), TreeDiff.compare(src, out));
    }

    @Test
    void verifyFindsEachKindOfDifference() throws Exception {
        Path a = Trees.everyKind(tmp.resolve("a"));
        Path b = tmp.resolve("b");
        assertTrue(Trees.backup(a, b, Buffers.naive(false), "zstd").ok());
        Files.setAttribute(b.resolve("secret"), "unix:mode", 0644);
        Files.delete(b.resolve("dangling"));
        Files.createSymbolicLink(b.resolve("dangling"), Path.of("elsewhere"));
        Files.write(b.resolve("bin/java"), new byte[] {1}, java.nio.file.StandardOpenOption.APPEND);
        Files.writeString(b.resolve("extra"), "x");
        Trees.time(b.resolve("empty"), 1L);
        List<String> diff = TreeDiff.compare(a, b);
        String all = String.join("\n", diff);
        assertTrue(all.contains("secret: mode 0600 restored as 0644"), all);
        assertTrue(all.contains("dangling: link target"), all);
        assertTrue(all.contains("bin/java: size"), all);
        assertTrue(all.contains("extra: only in the restore"), all);
        assertTrue(all.contains("empty: modification time"), all);
        assertTrue(Files.isDirectory(b.resolve("read-only"), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aSecondBackupIntoTheSameDirectoryReplacesWhatChanged() throws Exception {
        Path src = Trees.everyKind(tmp.resolve("src"));
        Path out = tmp.resolve("out");
        assertTrue(Trees.backup(src, out, Buffers.naive(false), "zstd").ok());
        Files.writeString(src.resolve("zero-length"), "now it has content");
        Files.delete(src.resolve("java-link"));
        Files.createSymbolicLink(src.resolve("java-link"), Path.of("man"));
        Files.setAttribute(src.resolve("secret"), "unix:mode", 0400);
        Sender.Result r = Trees.backup(src, out, Buffers.naive(false), "zstd");
        assertTrue(r.ok(), r.failures().toString());
        assertEquals(List.of(), TreeDiff.compare(src, out));
        try (var s = Files.walk(out)) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().startsWith(".memkit-partial")).toList());
        }
    }
}
