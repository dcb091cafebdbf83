package dev.memkit.cli;

import dev.memkit.buffer.SizeClasses;
import dev.memkit.cli.backup.Buffers;
import dev.memkit.cli.backup.Codec;
import dev.memkit.cli.backup.Protocol;
import dev.memkit.cli.backup.Receiver;
import dev.memkit.cli.backup.SafePaths;
import dev.memkit.cli.backup.Sender;
import dev.memkit.cli.demo.Corpus;
import dev.memkit.cli.demo.Verify;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackupTest {
    @TempDir
    Path tmp;

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @ParameterizedTest
    @CsvSource({"naive-direct,zstd", "naive-heap,deflate", "pooled,zstd", "pooled-coarse,deflate"})
    void backupRestoresTheTreeByteForByte(String mode, String codec) throws Exception {
        Path src = tmp.resolve("src");
        Corpus.generate(src, Corpus.Size.TINY, 7);
        Files.createDirectories(src.resolve("empty-dir-is-fine"));
        Files.write(src.resolve("zero-length"), new byte[0]);
        try (Receiver r = new Receiver(LOOPBACK, 0, tmp.resolve("out"));
             Buffers buffers = switch (mode) {
                 case "naive-direct" -> Buffers.naive(true);
                 case "naive-heap" -> Buffers.naive(false);
                 case "pooled" -> Buffers.pooled(SizeClasses.defaults(), 256L << 20);
                 default -> Buffers.pooled(SizeClasses.coarse(), 256L << 20);
             }) {
            Sender.Result result = new Sender(src, new InetSocketAddress(LOOPBACK, r.port()), 3, buffers,
                    () -> Codec.create(codec, 1), (f, b, tf, tb) -> { }).run();
            assertTrue(result.ok(), result.failures().toString());
            assertEquals(result.totalFiles(), result.verifiedFiles());
            assertEquals(result.totalFiles(), r.filesWritten());
        }
        assertTrue(Verify.sameTree(src, tmp.resolve("out")));
    }

    @Test
    void aFileChangingWhileReadIsReportedAndNotKept() throws Exception {
        Path src = tmp.resolve("src");
        Files.createDirectories(src);
        Path file = src.resolve("growing.log");
        Files.write(file, new byte[100_000]);
        Buffers mutating = new Buffers() {
            private final Buffers inner = Buffers.naive(false);
            private boolean done;

            @Override
            public Loan get(int size) {
                if (!done) {
                    done = true;
                    try {
                        Files.write(file, new byte[50_000], java.nio.file.StandardOpenOption.APPEND);
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }
                return inner.get(size);
            }
        };
        try (Receiver r = new Receiver(LOOPBACK, 0, tmp.resolve("out"))) {
            Sender.Result result = new Sender(src, new InetSocketAddress(LOOPBACK, r.port()), 1, mutating,
                    () -> Codec.create("zstd", 1), (f, b, tf, tb) -> { }).run();
            assertFalse(result.ok());
            assertTrue(result.failures().getFirst().contains("changed while being read"), result.failures().toString());
            assertEquals(0, r.filesWritten());
        }
        assertFalse(Files.exists(tmp.resolve("out/growing.log")), "an inconsistent copy is never kept");
    }

    @Test
    void receiverDyingMidStreamFailsTheBackup() throws Exception {
        Path src = tmp.resolve("src");
        Corpus.generate(src, Corpus.Size.SMALL, 3);
        Receiver r = new Receiver(LOOPBACK, 0, tmp.resolve("out"));
        Sender.Result result = new Sender(src, new InetSocketAddress(LOOPBACK, r.port()), 2,
                Buffers.naive(false), () -> Codec.create("zstd", 1), (files, b, tf, tb) -> {
                    if (files == 3) {
                        try {
                            r.close();
                        } catch (IOException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                }).run();
        assertFalse(result.ok());
        assertTrue(result.verifiedFiles() < result.totalFiles());
        assertTrue(result.failures().stream().anyMatch(f -> f.contains("receiver")), result.failures().toString());
    }

    @Test
    void unreachableReceiverIsAClearFailure() throws Exception {
        Path src = tmp.resolve("src");
        Corpus.generate(src, Corpus.Size.TINY, 1);
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, LOOPBACK)) {
            port = s.getLocalPort();
        }
        Sender.Result result = new Sender(src, new InetSocketAddress(LOOPBACK, port), 2, Buffers.naive(false),
                () -> Codec.create("zstd", 1), (f, b, tf, tb) -> { }).run();
        assertFalse(result.ok());
        assertTrue(result.failures().getFirst().contains("unreachable"), result.failures().toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"../evil", "/etc/passwd", "a/../../evil", "a//b", "./a", "a\\..\\b", "", "c:x", "a/."})
    void unsafeNamesAreRefused(String name) throws Exception {
        Path out = Files.createDirectories(tmp.resolve("out")).toRealPath();
        assertThrows(SafePaths.UnsafePathException.class, () -> SafePaths.resolve(out, name));
    }

    @Test
    void namesThroughASymlinkAreRefused() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("out")).toRealPath();
        Files.createSymbolicLink(out.resolve("link"), Files.createDirectories(tmp.resolve("elsewhere")));
        assertThrows(SafePaths.UnsafePathException.class, () -> SafePaths.resolve(out, "link/file"));
        assertEquals(out.resolve("a/b"), SafePaths.resolve(out, "a/b"));
    }

    @Test
    void traversalOverTheWireIsRefusedAndNothingIsWrittenOutside() throws Exception {
        try (Receiver r = new Receiver(LOOPBACK, 0, tmp.resolve("out"));
             RawClient c = new RawClient(r.port())) {
            byte[] data = "payload".getBytes(StandardCharsets.UTF_8);
            assertEquals(Protocol.REFUSED, c.sendFile("../escaped.txt", data, false));
            assertEquals(Protocol.OK, c.sendFile("inside.txt", data, false), "the connection stays usable");
        }
        assertFalse(Files.exists(tmp.resolve("escaped.txt")));
        assertTrue(Files.exists(tmp.resolve("out/inside.txt")));
    }

    @Test
    void corruptedChunkIsDetectedAndTheFileNotKept() throws Exception {
        try (Receiver r = new Receiver(LOOPBACK, 0, tmp.resolve("out"));
             RawClient c = new RawClient(r.port())) {
            assertEquals(Protocol.REFUSED, c.sendFile("bad.bin", new byte[4096], true));
            assertTrue(c.lastMessage.contains("corrupt"), c.lastMessage);
        }
        assertFalse(Files.exists(tmp.resolve("out/bad.bin")));
        try (var s = Files.list(tmp.resolve("out"))) {
            assertEquals(0, s.count(), "no partial file left behind");
        }
    }

    @Test
    void brokenFramingClosesTheConnection() throws Exception {
        try (Receiver r = new Receiver(LOOPBACK, 0, tmp.resolve("out"));
             Socket s = new Socket(LOOPBACK, r.port())) {
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeInt(Protocol.MAGIC);
            out.writeByte(1);
            out.writeByte('Z');
            out.flush();
            assertEquals(-1, s.getInputStream().read(), "the receiver hangs up on garbage");
        }
    }

    /** Speaks the protocol by hand, so tests can send what a correct sender never would. */
    static final class RawClient implements AutoCloseable {
        final Socket socket;
        final DataOutputStream out;
        final DataInputStream in;
        String lastMessage = "";

        RawClient(int port) throws IOException {
            socket = new Socket(LOOPBACK, port);
            out = new DataOutputStream(socket.getOutputStream());
            in = new DataInputStream(socket.getInputStream());
            out.writeInt(Protocol.MAGIC);
            out.writeByte(1);
        }

        byte sendFile(String name, byte[] data, boolean corrupt) throws Exception {
            Codec codec = Codec.create("zstd", 1);
            byte[] packed = new byte[codec.maxCompressedLength(data.length)];
            int len = (int) com.github.luben.zstd.Zstd.compressByteArray(packed, 0, packed.length, data, 0,
                    data.length, 1);
            CRC32C raw = new CRC32C();
            raw.update(data);
            CRC32C pk = new CRC32C();
            pk.update(packed, 0, len);
            if (corrupt) {
                packed[len / 2] ^= 0x55;
            }
            byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
            out.writeByte(Protocol.FILE);
            out.writeShort(nameBytes.length);
            out.write(nameBytes);
            out.writeLong(data.length);
            out.writeByte(Protocol.CHUNK);
            out.writeInt(data.length);
            out.writeInt(len);
            out.writeInt((int) raw.getValue());
            out.writeInt((int) pk.getValue());
            out.write(packed, 0, len);
            out.writeByte(Protocol.END);
            out.write(MessageDigest.getInstance("SHA-256").digest(data));
            out.flush();
            byte verdict = in.readByte();
            lastMessage = new String(in.readNBytes(in.readUnsignedShort()), StandardCharsets.UTF_8);
            return verdict;
        }

        @Override
        public void close() throws IOException {
            out.writeByte(Protocol.BYE);
            out.flush();
            socket.close();
        }
    }
}
