package dev.memkit.cli.demo;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A seeded corpus like a backup agent meets: a few hundred files, sizes log-uniform from 1 byte to past the
 * largest size class, about 60% compressible text-like data and 40% incompressible random bytes, in nested
 * directories. The same seed and size always give byte-identical files.
 */
public final class Corpus {
    /** A corpus size: number of files and the largest file. */
    public enum Size {
        TINY(24, 2L << 20), SMALL(100, 8L << 20), DEFAULT(300, 24L << 20), LARGE(800, 48L << 20);

        final int files;
        final long maxFile;

        Size(int files, long maxFile) {
            this.files = files;
            this.maxFile = maxFile;
        }
    }

    private static final String[] WORDS = ("backup stream buffer memory chunk index table record segment "
            + "offset region arena pool lease class slab depot stripe thread cache budget limit pressure heap "
            + "native mapped file block page the of and to in is for with on by at from").split(" ");

    private Corpus() {}

    /** Writes the corpus; returns the total bytes. */
    public static long generate(Path dir, Size size, long seed) throws IOException {
        SplittableRandom rnd = new SplittableRandom(seed);
        Files.createDirectories(dir);
        long total = 0;
        byte[] block = new byte[1 << 16];
        for (int i = 0; i < size.files; i++) {
            long bytes = i == 0 ? 1 : i == 1 ? size.maxFile
                    : Math.max(1, Math.round(Math.exp(rnd.nextDouble() * Math.log(size.maxFile))));
            boolean text = rnd.nextInt(10) < 6;
            Path file = dir.resolve(String.format(Locale.ROOT, "d%02d/sub%d/file-%04d.%s", i % 17, i % 3, i,
                    text ? "log" : "bin"));
            Files.createDirectories(file.getParent());
            try (OutputStream out = Files.newOutputStream(file)) {
                long left = bytes;
                while (left > 0) {
                    int n = (int) Math.min(block.length, left);
                    if (text) {
                        fillText(rnd, block, n);
                    } else {
                        rnd.nextBytes(block);
                    }
                    out.write(block, 0, n);
                    left -= n;
                }
            }
            total += bytes;
        }
        return total;
    }

    private static void fillText(SplittableRandom rnd, byte[] block, int n) {
        int at = 0;
        while (at < n) {
            byte[] w = (rnd.nextInt(20) == 0 ? Long.toString(rnd.nextLong(1_000_000)) + "\n"
                    : WORDS[rnd.nextInt(WORDS.length)] + " ").getBytes(StandardCharsets.US_ASCII);
            int k = Math.min(w.length, n - at);
            System.arraycopy(w, 0, block, at, k);
            at += k;
        }
    }
}
