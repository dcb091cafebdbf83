package dev.memkit.offheap;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Test helpers that copy and damage memkit's files, for the bad-file tests of every persistent structure. */
final class Damage {
    private Damage() {}

    /** Copies the files of directory {@code from} into a new directory {@code to}. */
    static Path copyDir(Path from, Path to) throws IOException {
        Files.createDirectory(to);
        try (Stream<Path> s = Files.list(from)) {
            for (Path f : s.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return to;
    }

    /** A map directory's segment files, in name order. */
    static List<Path> segmentFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(f -> f.getFileName().toString().startsWith("seg-")).sorted().toList();
        }
    }

    /** XORs the byte at {@code at} with {@code mask}. */
    static void flip(Path f, long at, int mask) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.seek(at);
            int b = raf.read();
            raf.seek(at);
            raf.write(b ^ mask);
        }
    }

    /** Cuts {@code bytes} off the end of a file. */
    static void truncateBy(Path f, long bytes) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(raf.length() - bytes);
        }
    }
}
