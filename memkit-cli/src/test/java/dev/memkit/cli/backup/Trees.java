package dev.memkit.cli.backup;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/** Test trees and a backup between two folders on loopback. */
public final class Trees {
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private Trees() {}

    /** A path below {@code dir} whose last segment is these raw bytes. */
    public static Path raw(Path dir, byte[] segment) {
        return RawNames.resolve(dir, segment);
    }

    /**
     * A tree holding every kind of entry a backup keeps: files of many sizes (empty, one block, several blocks),
     * unusual modes and old times, empty and read-only directories, relative, absolute, dangling and non-UTF-8
     * symbolic links, hard links, and names with ':', spaces, newlines and bytes that are not UTF-8.
     */
    public static Path everyKind(Path root) throws IOException {
        Files.createDirectories(root);
        SplittableRandom rnd = new SplittableRandom(11);
        Path bin = Files.createDirectories(root.resolve("bin"));
        Path javaBin = write(bin.resolve("java"), bytes(rnd, 70_000), 0755, 1_600_000_000_123_456_789L);
        write(root.resolve("zero-length"), new byte[0], 0644, 1_500_000_000_000_000_000L);
        write(root.resolve("secret"), bytes(rnd, 10), 0600, 1_000_000_000_000_000_000L);
        write(root.resolve("setuid-tool"), bytes(rnd, 100), 04755, 1_000_000_000_000_000_000L);
        write(root.resolve("big.bin"), bytes(rnd, (3 << 20) + 12_345), 0640, 1_700_000_000_000_000_000L);
        Path man = Files.createDirectories(root.resolve("man/man3"));
        write(man.resolve("HTTP::Headers.3pm.gz"), bytes(rnd, 2_000), 0644, 1_650_000_000_000_000_000L);
        write(man.resolve("with space\nand newline"), bytes(rnd, 30), 0644, 1_650_000_000_000_000_000L);
        write(raw(root, "name-\u00ff-latin1".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)),
                bytes(rnd, 40), 0644, 1_650_000_000_000_000_000L);
        Files.createDirectories(root.resolve("empty"));
        Files.createDirectories(root.resolve("a/deep/empty/dir"));
        Files.createSymbolicLink(root.resolve("java-link"), Path.of("bin/java"));
        Files.createSymbolicLink(root.resolve("abs-link"), Path.of("/etc/passwd"));
        Files.createSymbolicLink(root.resolve("dangling"), Path.of("../does/not/exist"));
        Files.createSymbolicLink(root.resolve("dir-link"), Path.of("man"));
        Files.createSymbolicLink(root.resolve("raw-link"), RawNames.pathOf(new byte[] {'x', (byte) 0xfe, '/', '.', '.'}));
        Files.createLink(root.resolve("java-hardlink"), javaBin);
        Files.createLink(man.resolve("second-name"), javaBin);
        Path ro = Files.createDirectories(root.resolve("read-only"));
        write(ro.resolve("inside"), bytes(rnd, 5), 0444, 1_600_000_000_000_000_000L);
        Files.setAttribute(ro, "unix:mode", 0555);
        Files.setAttribute(root.resolve("empty"), "unix:mode", 0700);
        time(root.resolve("empty"), 1_234_567_890_000_000_000L);
        time(root.resolve("a/deep"), 1_234_567_891_000_000_000L);
        time(ro, 1_234_567_892_000_000_000L);
        time(bin, 1_234_567_893_000_000_000L);
        return root;
    }

    static byte[] bytes(SplittableRandom rnd, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (rnd.nextInt(16) * 7); // compressible, not trivially
        }
        return b;
    }

    static Path write(Path p, byte[] data, int mode, long mtimeNanos) throws IOException {
        Files.write(p, data);
        Files.setAttribute(p, "unix:mode", mode);
        time(p, mtimeNanos);
        return p;
    }

    static void time(Path p, long nanos) throws IOException {
        Files.getFileAttributeView(p, java.nio.file.attribute.BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .setTimes(FileTime.from(nanos, TimeUnit.NANOSECONDS), null, null);
    }

    /** Backs {@code src} up to a receiver writing {@code out}, with the given strategy; returns the result. */
    public static Sender.Result backup(Path src, Path out, Buffers buffers, String codec) throws Exception {
        try (Receiver r = new Receiver(LOOPBACK, 0, out)) {
            return new Sender(src, new InetSocketAddress(LOOPBACK, r.port()), 2, buffers,
                    () -> Codec.create(codec, 1), (e, b) -> { }).run();
        }
    }
}
