package dev.memkit.cli.backup;

import dev.memkit.internal.IoErrors;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Walks a tree without following symbolic links, in pre-order (a directory before its contents, so a receiver can
 * create it first), reading each entry's metadata with one {@code lstat}. Regular files, directories, symbolic links
 * and hard links (a second name of a file already seen) become {@link Entry entries}; what cannot be backed up
 * (FIFOs, sockets, devices, unreadable directories, entries that vanish) is reported to {@code skipped} with the
 * reason. Entries of one directory come in name order, so two walks of equal trees agree. Not thread-safe.
 */
public final class TreeWalker {
    private static final String ATTRS = "unix:mode,ino,dev,nlink,size,lastModifiedTime";
    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFLNK = 0120000;

    /** Receives each entry; {@code path} is where it is on this machine. */
    public interface Visitor {
        void entry(Entry e, Path path) throws IOException;
    }

    private final Map<Object, byte[]> firstNameOfInode = new HashMap<>();
    private final List<String> skipped;

    public TreeWalker(List<String> skipped) {
        this.skipped = skipped;
    }

    /**
     * Walks {@code root}'s contents (not the root itself).
     *
     * @throws IOException if the root is not a readable directory
     */
    public void walk(Path root, Visitor visitor) throws IOException {
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("source " + root + (Files.exists(root, LinkOption.NOFOLLOW_LINKS)
                    ? " is not a directory" : " does not exist"));
        }
        walkDir(root, new byte[0], visitor);
    }

    private void walkDir(Path dir, byte[] dirName, Visitor visitor) throws IOException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            s.forEach(children::add);
        } catch (IOException e) {
            skipped.add(dirName.length == 0 ? "." : RawNames.show(dirName) + ": cannot list ("
                    + IoErrors.describe(e) + ")");
            return;
        }
        children.sort(null);
        for (Path child : children) {
            byte[] seg = RawNames.segment(child.getFileName());
            byte[] name = join(dirName, seg);
            Map<String, Object> a;
            try {
                a = Files.readAttributes(child, ATTRS, LinkOption.NOFOLLOW_LINKS);
            } catch (IOException e) {
                skipped.add(RawNames.show(name) + ": " + IoErrors.describe(e));
                continue;
            }
            int mode = (Integer) a.get("mode");
            long mtime = ((FileTime) a.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS);
            switch (mode & S_IFMT) {
                case S_IFDIR -> {
                    visitor.entry(new Entry(Entry.Kind.DIRECTORY, name, mode & 07777, mtime, 0, null), child);
                    walkDir(child, name, visitor);
                }
                case S_IFREG -> {
                    int linked = 0;
                    if ((Integer) a.get("nlink") > 1) {
                        linked = Protocol.LINKED;
                        Object inode = List.of(a.get("dev"), a.get("ino"));
                        byte[] first = firstNameOfInode.putIfAbsent(inode, name);
                        if (first != null) {
                            visitor.entry(new Entry(Entry.Kind.HARDLINK, name, 0, 0, 0, first), child);
                            continue;
                        }
                    }
                    visitor.entry(new Entry(Entry.Kind.FILE, name, (mode & 07777) | linked, mtime, (Long) a.get("size"),
                            null), child);
                }
                case S_IFLNK -> {
                    byte[] target;
                    try {
                        target = RawNames.path(Files.readSymbolicLink(child));
                    } catch (IOException e) {
                        skipped.add(RawNames.show(name) + ": cannot read link (" + IoErrors.describe(e) + ")");
                        continue;
                    }
                    visitor.entry(new Entry(Entry.Kind.SYMLINK, name, 0, 0, 0, target), child);
                }
                default -> skipped.add(RawNames.show(name) + ": " + special(mode) + " (not backed up)");
            }
        }
    }

    private static String special(int mode) {
        return switch (mode & S_IFMT) {
            case 0010000 -> "a FIFO";
            case 0140000 -> "a socket";
            case 0020000 -> "a character device";
            case 0060000 -> "a block device";
            default -> "a special file";
        };
    }

    static byte[] join(byte[] dir, byte[] segment) {
        if (dir.length == 0) {
            return segment;
        }
        byte[] out = new byte[dir.length + 1 + segment.length];
        System.arraycopy(dir, 0, out, 0, dir.length);
        out[dir.length] = '/';
        System.arraycopy(segment, 0, out, dir.length + 1, segment.length);
        return out;
    }
}
