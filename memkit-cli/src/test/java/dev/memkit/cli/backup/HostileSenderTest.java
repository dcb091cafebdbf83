package dev.memkit.cli.backup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A receiver against senders that lie: escapes through links, '..', absolute names, NUL, huge lengths, truncated
 * and garbage streams, peers that vanish. It writes nothing outside its output directory, leaves no partial file,
 * reports each problem, and keeps serving other backups.
 */
class HostileSenderTest {
    @TempDir
    Path tmp;

    /** Builds a record stream by hand and sends it as blocks. */
    static final class RawStream {
        final ByteArrayOutputStream records = new ByteArrayOutputStream();
        final DataOutputStream r = new DataOutputStream(records);
        int entries;

        RawStream dir(String name) throws IOException {
            return dir(name.getBytes(StandardCharsets.UTF_8));
        }

        RawStream dir(byte[] name) throws IOException {
            r.writeByte('D');
            r.writeInt(name.length);
            r.write(name);
            r.writeInt(0755);
            r.writeLong(1_000_000_000L);
            entries++;
            return this;
        }

        RawStream file(String name, String content) throws IOException {
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            byte[] c = content.getBytes(StandardCharsets.UTF_8);
            r.writeByte('F');
            r.writeInt(n.length);
            r.write(n);
            r.writeInt(0644);
            r.writeLong(1_000_000_000L);
            r.writeLong(c.length);
            r.write(c);
            r.writeByte(0);
            entries++;
            return this;
        }

        RawStream link(char kind, String name, String target) throws IOException {
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            byte[] t = target.getBytes(StandardCharsets.UTF_8);
            r.writeByte(kind);
            r.writeInt(n.length);
            r.write(n);
            r.writeInt(t.length);
            r.write(t);
            entries++;
            return this;
        }

        /** Sends HELLO, the records as one block, END; returns the verdict's message, prefixed "K " or "X ". */
        String send(int port) throws IOException {
            try (Socket s = new Socket(Trees.LOOPBACK, port)) {
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                hello(out);
                block(out, records.toByteArray(), false);
                out.writeByte(Protocol.END);
                out.writeLong(entries);
                out.writeLong(0);
                out.flush();
                return verdict(new DataInputStream(s.getInputStream()));
            }
        }
    }

    static void hello(DataOutputStream out) throws IOException {
        out.writeInt(Protocol.MAGIC);
        out.writeByte(Codec.create("zstd", 1).id());
    }

    static void block(DataOutputStream out, byte[] raw, boolean corrupt) throws IOException {
        Codec c = Codec.create("zstd", 1);
        ByteBuffer packed = ByteBuffer.allocate(c.maxCompressedLength(raw.length));
        int len = c.compress(ByteBuffer.wrap(raw), packed);
        byte[] p = java.util.Arrays.copyOf(packed.array(), len);
        CRC32C crcRaw = new CRC32C();
        crcRaw.update(raw);
        CRC32C crcPacked = new CRC32C();
        crcPacked.update(p);
        if (corrupt) {
            p[len / 2] ^= 0x55;
        }
        out.writeByte(Protocol.BLOCK);
        out.writeInt(raw.length);
        out.writeInt(len);
        out.writeInt((int) crcRaw.getValue());
        out.writeInt((int) crcPacked.getValue());
        out.write(p);
    }

    static String verdict(DataInputStream in) throws IOException {
        byte v = in.readByte();
        in.readLong();
        String msg = new String(in.readNBytes(in.readInt()), StandardCharsets.UTF_8);
        return (v == Protocol.OK ? "K " : "X ") + msg;
    }

    private void assertStillServes(Receiver r) throws Exception {
        String v = new RawStream().dir("ok").file("ok/fine.txt", "fine").send(r.port());
        assertTrue(v.startsWith("K"), v);
        assertEquals("fine", Files.readString(tmp.resolve("out/ok/fine.txt")));
    }

    private void assertNoPartialFiles() throws IOException {
        try (var s = Files.walk(tmp.resolve("out"))) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().startsWith(".memkit-partial")).toList());
        }
    }

    @Test
    void aSymlinkThenAFileThroughItWritesNothingOutside() throws Exception {
        Path victim = Files.createDirectories(tmp.resolve("victim"));
        try (Receiver r = new Receiver(Trees.LOOPBACK, 0, tmp.resolve("out"))) {
            String v = new RawStream().link('L', "a", victim.toString()).file("a/passwd", "owned")
                    .dir("a").file("a/x", "owned").send(r.port());
            assertTrue(v.startsWith("X") && v.contains("a/passwd") && v.contains("not a directory of this backup"), v);
            assertStillServes(r);
        }
        try (var s = Files.list(victim)) {
            assertEquals(0, s.count(), "nothing written through the link");
        }
        assertTrue(Files.isSymbolicLink(tmp.resolve("out/a")), "the link itself is restored, as a link");
    }

    @ParameterizedTest
    @ValueSource(strings = {"../evil", "/etc/evil", "a/../../evil", "a//b", "./a", "a/.", "..", "x/../../evil"})
    void malformedNamesAreRefusedAndNothingIsWrittenOutside(String name) throws Exception {
        try (Receiver r = new Receiver(Trees.LOOPBACK, 0, tmp.resolve("out"))) {
            String v = new RawStream().dir("a").dir("x").file(name, "evil").send(r.port());
            assertTrue(v.startsWith("X") && v.contains(name), v);
            assertStillServes(r);
        }
        assertFalse(Files.exists(tmp.resolve("evil")));
        assertFalse(Files.exists(Path.of("/etc/evil")));
        assertNoPartialFiles();
    }

    @Test
    void aNameWithANulByteOrAHardLinkToAFileNotWrittenIsRefused() throws Exception {
        Path outside = Files.writeString(tmp.resolve("outside"), "secret");
        try (Receiver r = new Receiver(Trees.LOOPBACK, 0, tmp.resolve("out"))) {
            String v = new RawStream().file("nul\0name", "x").link('H', "stolen", "../outside")
                    .link('H', "stolen2", outside.toString()).send(r.port());
            assertTrue(v.startsWith("X") && v.contains("NUL") && v.contains("stolen")
                    && v.contains("did not write"), v);
        }
        assertFalse(Files.exists(tmp.resolve("out/stolen")));
        assertFalse(Files.exists(tmp.resolve("out/stolen2")));
    }

    @Test
    void hugeLengthsAreAProtocolErrorNotAnAllocation() throws Exception {
        try (Receiver r = new Receiver(Trees.LOOPBACK, 0, tmp.resolve("out"))) {
            try (Socket s = new Socket(Trees.LOOPBACK, r.port())) {
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                hello(out);
                out.writeByte(Protocol.BLOCK);
                out.writeInt(Integer.MAX_VALUE);
                out.writeInt(Integer.MAX_VALUE);
                out.writeInt(0);
                out.writeInt(0);
                out.flush();
                String v = verdict(new DataInputStream(s.getInputStream()));
                assertTrue(v.startsWith("X") && v.contains("claims"), v);
            }
            RawStream big = new RawStream();
            big.r.writeByte('F');
            big.r.writeInt(Integer.MAX_VALUE); // a name of 2 GiB
            big.entries++;
            String v = big.send(r.port());
            assertTrue(v.startsWith("X") && v.contains("protocol error"), v);
            assertStillServes(r);
        }
    }

    @Test
    void aCorruptBlockIsDetectedAndLeavesNoFile() throws Exception {
        try (Receiver r = new Receiver(Trees.LOOPBACK, 0, tmp.resolve("out"))) {
            RawStream stream = new RawStream().file("bad.bin", "x".repeat(5000));
            try (Socket s = new Socket(Trees.LOOPBACK, r.port())) {
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                hello(out);
                block(out, stream.records.toByteArray(), true);
                out.flush();
                String v = verdict(new DataInputStream(s.getInputStream()));
                assertTrue(v.startsWith("X") && v.contains("corrupt"), v);
            }
            assertStillServes(r);
        }
        assertFalse(Files.exists(tmp.resolve("out/bad.bin")));
        assertNoPartialFiles();
    }

    @Test
    void aStreamCutInsideAFileLeavesNoPartialFileAndTheReceiverServesOn() throws Exception {
        try (Receiver r = new Receiver(Trees.LOOPBACK, 0, tmp.resolve("out"))) {
            RawStream stream = new RawStream().file("complete.txt", "done");
            stream.r.writeByte('F');
            byte[] n = "cut.bin".getBytes(StandardCharsets.UTF_8);
            stream.r.writeInt(n.length);
            stream.r.write(n);
            stream.r.writeInt(0644);
            stream.r.writeLong(0);
            stream.r.writeLong(1 << 20);
            stream.r.write(new byte[1000]); // and then the sender vanishes
            try (Socket s = new Socket(Trees.LOOPBACK, r.port())) {
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                hello(out);
                block(out, stream.records.toByteArray(), false);
                out.flush();
                s.shutdownOutput();
                String v = verdict(new DataInputStream(s.getInputStream()));
                assertTrue(v.startsWith("X") && v.contains("closed the connection"), v);
            }
            assertStillServes(r);
        }
        assertFalse(Files.exists(tmp.resolve("out/cut.bin")));
        assertNoPartialFiles();
    }

    @Test
    void garbageAndForeignStreamsAreRefused() throws Exception {
        try (Receiver r = new Receiver(Trees.LOOPBACK, 0, tmp.resolve("out"))) {
            for (byte[] junk : List.of("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
                    new byte[] {'M', 'K', 'B', '1', 1, 'F'}, new byte[] {'M', 'K', 'B', '2', 99})) {
                try (Socket s = new Socket(Trees.LOOPBACK, r.port())) {
                    s.getOutputStream().write(junk);
                    s.getOutputStream().flush();
                    String v = verdict(new DataInputStream(s.getInputStream()));
                    assertTrue(v.startsWith("X"), v);
                }
            }
            assertStillServes(r);
        }
    }

    @Test
    void aPeerThatNeverReadsTheVerdictHoldsUpNobody() throws Exception {
        try (Receiver r = new Receiver(Trees.LOOPBACK, 0, tmp.resolve("out"));
             Socket silent = new Socket(Trees.LOOPBACK, r.port())) {
            DataOutputStream out = new DataOutputStream(silent.getOutputStream());
            hello(out);
            RawStream one = new RawStream().file("one.txt", "1");
            block(out, one.records.toByteArray(), false);
            out.writeByte(Protocol.END);
            out.writeLong(1);
            out.writeLong(0);
            out.flush(); // and never reads
            assertStillServes(r);
        }
    }
}
