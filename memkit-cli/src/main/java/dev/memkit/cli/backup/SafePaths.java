package dev.memkit.cli.backup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Turns a path received from the network into a file under the output directory, or refuses it. Refused:
 * absolute paths, backslashes, NUL, empty / "." / ".." segments, and any existing component under the output
 * directory that is a symbolic link (so a restored tree can never be steered outside {@code --out}).
 */
public final class SafePaths {
    private SafePaths() {}

    /** Thrown for a name the receiver will not write. */
    public static final class UnsafePathException extends IOException {
        private static final long serialVersionUID = 1L;

        UnsafePathException(String name, String why) {
            super("refused path '" + name + "': " + why);
        }
    }

    public static Path resolve(Path outDir, String name) throws UnsafePathException {
        if (name.isEmpty()) {
            throw new UnsafePathException(name, "empty");
        }
        if (name.startsWith("/") || name.indexOf('\\') >= 0 || name.indexOf('\0') >= 0 || name.contains(":")) {
            throw new UnsafePathException(name, "absolute or not a plain relative path");
        }
        Path target = outDir;
        for (String segment : name.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new UnsafePathException(name, "empty, '.' or '..' segment");
            }
            target = target.resolve(segment);
            if (Files.isSymbolicLink(target)) {
                throw new UnsafePathException(name, "goes through a symbolic link");
            }
        }
        Path normal = target.normalize();
        if (!normal.startsWith(outDir) || normal.equals(outDir)) {
            throw new UnsafePathException(name, "outside the output directory");
        }
        if (Files.exists(normal, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(normal, LinkOption.NOFOLLOW_LINKS)) {
            throw new UnsafePathException(name, "exists and is not a regular file");
        }
        return normal;
    }
}
