package dev.memkit.cli.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Byte-for-byte comparison of a source tree and its restore. */
public final class Verify {
    private Verify() {}

    /** True if both trees hold the same relative file names with identical contents. */
    public static boolean sameTree(Path a, Path b) throws IOException {
        if (!Files.isDirectory(b)) {
            return false;
        }
        List<Path> left = files(a);
        List<Path> right = files(b);
        if (!left.equals(right)) {
            return false;
        }
        for (Path rel : left) {
            if (Files.mismatch(a.resolve(rel), b.resolve(rel)) != -1) {
                return false;
            }
        }
        return true;
    }

    private static List<Path> files(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).map(root::relativize).sorted().toList();
        }
    }
}
