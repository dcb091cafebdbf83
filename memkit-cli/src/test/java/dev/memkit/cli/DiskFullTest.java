package dev.memkit.cli;

import dev.memkit.cli.backup.Buffers;
import dev.memkit.cli.backup.Codec;
import dev.memkit.cli.backup.Receiver;
import dev.memkit.cli.backup.Sender;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A receiver whose disk fills up refuses the file with the reason, keeps no partial file, and the backup fails.
 * Needs a real full disk: mounts a 512 KiB tmpfs, which takes root (CI runs as root); skipped, saying why,
 * where mounting is not permitted.
 */
class DiskFullTest {
    @TempDir
    Path tmp;

    @Test
    void fullDiskOnTheReceiverFailsTheBackupCleanly() throws Exception {
        Path small = Files.createDirectories(tmp.resolve("small-disk"));
        Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", small.toString()),
                "cannot mount a tmpfs here (needs root): disk-full path not exercised");
        try {
            Path src = Files.createDirectories(tmp.resolve("src"));
            byte[] data = new byte[2 << 20];
            new SplittableRandom(1).nextBytes(data); // incompressible, so it cannot fit in 512 KiB
            Files.write(src.resolve("big.bin"), data);
            Files.write(src.resolve("small.txt"), "fits".getBytes());
            InetAddress lo = InetAddress.getLoopbackAddress();
            try (Receiver r = new Receiver(lo, 0, small)) {
                Sender.Result result = new Sender(src, new InetSocketAddress(lo, r.port()), 1, Buffers.naive(false),
                        () -> Codec.create("zstd", 1), (e, b) -> { }).run();
                assertFalse(result.ok());
                assertEquals(1, result.failures().size(), result.failures().toString());
                String failure = result.failures().getFirst();
                assertTrue(failure.startsWith("big.bin") && failure.contains("write failed")
                        && failure.contains("No space left"), failure);
                assertEquals(1, result.written(), "the small file still made it");
            }
            try (var files = Files.list(small)) {
                assertEquals(java.util.List.of(small.resolve("small.txt")), files.toList(),
                        "no partial file is left behind");
            }
        } finally {
            run("umount", small.toString());
        }
    }

    private static boolean run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (java.io.IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
