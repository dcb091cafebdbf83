package dev.memkit.cli.backup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compares a tree with its restore, entry by entry: kind, name bytes, permission bits, modification time (files
 * and directories), content, symbolic link targets, and which names are hard links of which. What the source holds
 * that a backup cannot (FIFOs, sockets, devices) is a difference too. The roots themselves are not compared.
 * Stateless.
 */
public final class TreeDiff {
    private TreeDiff() {}

    /** The differences, one line each; empty when the restore is exact. */
    public static List<String> compare(Path source, Path restored) throws IOException {
        List<String> diffs = new ArrayList<>();
        List<String> skippedSrc = new ArrayList<>();
        List<String> skippedOut = new ArrayList<>();
        Map<String, Object[]> left = list(source, skippedSrc);
        Map<String, Object[]> right = list(restored, skippedOut);
        skippedSrc.forEach(s -> diffs.add("source only: " + s));
        skippedOut.forEach(s -> diffs.add("restore only: " + s));
        for (var e : left.entrySet()) {
            Object[] r = right.remove(e.getKey());
            Entry a = (Entry) e.getValue()[0];
            if (r == null) {
                diffs.add(a.shown() + ": missing from the restore");
                continue;
            }
            Entry b = (Entry) r[0];
            String d = differ(a, (Path) e.getValue()[1], b, (Path) r[1]);
            if (d != null) {
                diffs.add(a.shown() + ": " + d);
            }
        }
        right.values().forEach(r -> diffs.add(((Entry) r[0]).shown() + ": only in the restore"));
        return diffs;
    }

    private static Map<String, Object[]> list(Path root, List<String> skipped) throws IOException {
        Map<String, Object[]> out = new LinkedHashMap<>();
        new TreeWalker(skipped).walk(root, (e, p) -> out.put(new String(e.name(), StandardCharsets.ISO_8859_1),
                new Object[] {e, p}));
        return out;
    }

    private static String differ(Entry a, Path pa, Entry b, Path pb) throws IOException {
        if (a.kind() != b.kind()) {
            return "a " + a.kind() + " in the source, a " + b.kind() + " in the restore";
        }
        return switch (a.kind()) {
            case SYMLINK -> java.util.Arrays.equals(a.target(), b.target()) ? null
                    : "link target " + RawNames.show(a.target()) + " restored as " + RawNames.show(b.target());
            case HARDLINK -> java.util.Arrays.equals(a.target(), b.target()) ? null
                    : "a link of " + RawNames.show(a.target()) + ", restored as a link of " + RawNames.show(b.target());
            case DIRECTORY -> meta(a, b);
            case FILE -> {
                if (a.size() != b.size()) {
                    yield "size " + a.size() + " restored as " + b.size();
                }
                String m = meta(a, b);
                if (m != null) {
                    yield m;
                }
                long at = Files.mismatch(pa, pb);
                yield at < 0 ? null : "content differs from byte " + at;
            }
        };
    }

    private static String meta(Entry a, Entry b) {
        int ma = a.mode() & 07777;
        int mb = b.mode() & 07777;
        if (ma != mb) {
            return String.format("mode %04o restored as %04o", ma, mb);
        }
        if (a.mtimeNanos() != b.mtimeNanos()) {
            return "modification time " + a.mtimeNanos() + " ns restored as " + b.mtimeNanos() + " ns";
        }
        return null;
    }
}
