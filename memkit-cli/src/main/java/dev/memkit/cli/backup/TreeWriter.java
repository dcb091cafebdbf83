package dev.memkit.cli.backup;

import dev.memkit.internal.IoErrors;

import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Recreates a backup's entries under an output directory, refusing anything that could write elsewhere.
 *
 * <p><b>Safety.</b> An entry's parent must be the output directory or a directory this writer created (or found
 * as a real directory) from a directory record of the same backup; a symbolic link is never in that set, so a
 * sender that sends {@code a -> /etc} and then {@code a/passwd} gets the second refused. Names are raw bytes split
 * on '/', each segment non-empty, not "." or "..", without NUL. A file is created with
 * {@code O_CREAT|O_EXCL|O_NOFOLLOW}: under its own name when nothing is there, else under a temporary name beside
 * it, renamed over what was there (which replaces a link rather than following it). A file not kept (the stream
 * broke, the sender saw it change) is deleted. Hard links join only files this writer wrote.
 *
 * <p><b>Metadata.</b> A file gets its mode and modification time before its rename; a directory's are set at
 * {@link #finish()}, deepest first, after its contents (a read-only directory would refuse them, and writing them
 * would move its time).
 *
 * <p><b>Durability.</b> A batch of {@value #BATCH_BYTES} bytes or {@value #BATCH_ENTRIES} entries is flushed at
 * once ({@link Durability}); {@link #finish()} flushes the rest. Not thread-safe: one per connection.
 */
final class TreeWriter {
    static final long BATCH_BYTES = 256L << 20;
    static final int BATCH_ENTRIES = 20_000;
    private static final int MAX_REPORTED = 100;

    private final Path root;
    private final Durability durability;
    private final Set<String> dirs = new HashSet<>();           // names (bytes as Latin-1) of safe directories
    private final Map<String, Path> linkable = new HashMap<>(); // files written with other names to come
    private final List<Object[]> dirMeta = new ArrayList<>();   // {Path, mode, mtime ns}, in creation order
    private final List<String> problems = new ArrayList<>();
    private final byte[] copy = new byte[1 << 16];
    private int problemCount;
    private long entries;
    private long written;
    private long discarded;
    private long batchBytes;
    private int batchEntries;

    TreeWriter(Path root, Durability durability) {
        this.root = root;
        this.durability = durability;
        dirs.add("");
    }

    /** Reads and applies one record (its kind byte already read); stream errors propagate, entry errors are kept. */
    void apply(byte tag, DataInputStream in) throws IOException {
        Entry.Kind kind = Entry.Kind.of(tag);
        if (kind == null) {
            throw new IOException("protocol error: unknown record type " + (tag & 0xFF) + " after " + entries
                    + " entries");
        }
        entries++;
        byte[] name = readName(in, "name");
        switch (kind) {
            case DIRECTORY -> directory(name, in.readInt(), in.readLong());
            case FILE -> file(name, in.readInt(), in.readLong(), in.readLong(), in);
            case SYMLINK -> symlink(name, readName(in, "link target"));
            case HARDLINK -> hardlink(name, readName(in, "link target"));
        }
        if (++batchEntries >= BATCH_ENTRIES || batchBytes >= BATCH_BYTES) {
            durability.flush();
            batchEntries = 0;
            batchBytes = 0;
        }
    }

    private static byte[] readName(DataInputStream in, String what) throws IOException {
        int len = in.readInt();
        if (len <= 0 || len > Protocol.MAX_NAME_BYTES) {
            throw new IOException("protocol error: " + what + " of " + len + " bytes");
        }
        byte[] b = new byte[len];
        in.readFully(b);
        return b;
    }

    private void directory(byte[] name, int mode, long mtime) {
        Path dir = place(name);
        if (dir == null) {
            return;
        }
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                refuse(name, "exists and is not a directory");
                return;
            }
        } catch (IOException e) {
            refuse(name, IoErrors.describe(e));
            return;
        }
        dirs.add(key(name));
        dirMeta.add(new Object[] {dir, mode, mtime});
        durability.written(null, dir.getParent());
        written++;
    }

    private void file(byte[] name, int mode, long mtime, long size, DataInputStream in) throws IOException {
        if (size < 0) {
            throw new IOException("protocol error: file size " + size);
        }
        Path target = place(name);
        Path temp = null;      // what to delete if the file is not kept: the final name, or a temporary one
        boolean replacing = false;
        FileChannel ch = null;
        String problem = null;
        if (target != null) {
            try { // a new name is written in place; an existing one through a temporary name renamed over it
                ch = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                        LinkOption.NOFOLLOW_LINKS);
                temp = target;
            } catch (FileAlreadyExistsException exists) {
                replacing = true;
                temp = target.resolveSibling(".memkit-partial-"
                        + Long.toHexString(ThreadLocalRandom.current().nextLong()));
                try {
                    ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                            LinkOption.NOFOLLOW_LINKS);
                } catch (IOException e) {
                    temp = null;
                    problem = IoErrors.describe(e);
                }
            } catch (IOException e) {
                problem = IoErrors.describe(e);
            }
        }
        try {
            for (long left = size; left > 0; ) {
                int n = in.read(copy, 0, (int) Math.min(copy.length, left));
                if (n < 0) {
                    throw new IOException("protocol error: the stream ended inside " + RawNames.show(name));
                }
                if (ch != null && problem == null) {
                    try {
                        ByteBuffer b = ByteBuffer.wrap(copy, 0, n);
                        while (b.hasRemaining()) {
                            ch.write(b);
                        }
                    } catch (IOException e) {
                        problem = "write failed: " + IoErrors.describe(e);
                    }
                }
                left -= n;
            }
            int status = in.read();
            if (status < 0) {
                throw new IOException("protocol error: the stream ended inside " + RawNames.show(name));
            }
            batchBytes += size;
            if (status != 0) {
                discarded++; // the sender saw it change and reports it
            } else if (target != null && problem == null) {
                ch.close();
                problem = finishFile(temp, replacing ? target : null, mode, mtime);
                if (problem == null) {
                    temp = null;
                    written++;
                    durability.written(target, target.getParent());
                    if ((mode & Protocol.LINKED) != 0) {
                        linkable.put(key(name), target);
                    }
                }
            }
        } finally {
            if (ch != null && ch.isOpen()) {
                ch.close();
            }
            if (temp != null) {
                Files.deleteIfExists(temp);
            }
        }
        if (problem != null) {
            refuse(name, problem);
        }
    }

    /**
     * Mode and time, then the rename over {@code replace} if it is not null; returns a problem or null. The file was
     * just created by this writer (O_EXCL, O_NOFOLLOW) and entries are applied one at a time, so no sender can have
     * swapped it for a link: a path-based chmod is safe, and saves the reopen that the JDK's no-follow variant
     * makes (a third of a small file's cost on a slow disk).
     */
    private static String finishFile(Path written, Path replace, int mode, long mtime) {
        try {
            Files.setAttribute(written, "unix:mode", mode & 07777);
            setTime(written, mtime);
            if (replace != null) {
                Files.move(written, replace, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            return null;
        } catch (IOException e) {
            return IoErrors.describe(e);
        }
    }

    private void symlink(byte[] name, byte[] target) {
        Path link = place(name);
        if (link == null) {
            return;
        }
        if (indexOf(target, (byte) 0) >= 0) {
            refuse(name, "link target holds a NUL byte");
            return;
        }
        try {
            clear(link);
            Files.createSymbolicLink(link, RawNames.pathOf(target));
            durability.written(null, link.getParent());
            written++;
        } catch (IOException e) {
            refuse(name, IoErrors.describe(e));
        }
    }

    private void hardlink(byte[] name, byte[] targetName) {
        Path link = place(name);
        if (link == null) {
            return;
        }
        Path existing = linkable.get(key(targetName));
        if (existing == null) {
            refuse(name, "links to " + RawNames.show(targetName) + ", which this backup did not write");
            return;
        }
        try {
            clear(link);
            Files.createLink(link, existing);
            durability.written(null, link.getParent());
            written++;
        } catch (IOException e) {
            refuse(name, IoErrors.describe(e));
        }
    }

    /** Removes what stands at {@code p} unless it is a directory (which then makes the create fail, reported). */
    private static void clear(Path p) throws IOException {
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            Files.delete(p);
        }
    }

    /**
     * Where a name goes, or null (refused) if it is malformed or its parent is not a safe directory of this
     * backup.
     */
    private Path place(byte[] name) {
        int slash = lastIndexOf(name, (byte) '/');
        byte[] last = java.util.Arrays.copyOfRange(name, slash + 1, name.length);
        String parentKey = slash < 0 ? "" : new String(name, 0, slash, StandardCharsets.ISO_8859_1);
        String bad = badName(name);
        if (bad != null) {
            refuse(name, bad);
            return null;
        }
        if (!dirs.contains(parentKey)) {
            refuse(name, "its directory is not a directory of this backup (a link, a file, or never sent)");
            return null;
        }
        Path p = root;
        int from = 0;
        for (int i = 0; i <= slash; i++) {
            if (name[i] == '/') {
                p = RawNames.resolve(p, java.util.Arrays.copyOfRange(name, from, i));
                from = i + 1;
            }
        }
        return RawNames.resolve(p, last);
    }

    /** Why a name is not a plain relative name, or null. */
    private static String badName(byte[] name) {
        if (name[0] == '/') {
            return "absolute path";
        }
        if (indexOf(name, (byte) 0) >= 0) {
            return "holds a NUL byte";
        }
        int from = 0;
        for (int i = 0; i <= name.length; i++) {
            if (i == name.length || name[i] == '/') {
                int len = i - from;
                if (len == 0 || (len == 1 && name[from] == '.') || (len == 2 && name[from] == '.'
                        && name[from + 1] == '.')) {
                    return "empty, '.' or '..' segment";
                }
                from = i + 1;
            }
        }
        return null;
    }

    private void refuse(byte[] name, String why) {
        if (problemCount++ < MAX_REPORTED) {
            problems.add(RawNames.show(name) + ": " + why);
        }
    }

    /** Applies directory metadata deepest first, then flushes everything. */
    void finish() throws IOException {
        for (int i = dirMeta.size() - 1; i >= 0; i--) {
            Object[] d = dirMeta.get(i);
            Path dir = (Path) d[0];
            try {
                Files.setAttribute(dir, "unix:mode", (Integer) d[1] & 07777, LinkOption.NOFOLLOW_LINKS);
                setTime(dir, (Long) d[2]);
            } catch (IOException e) {
                problemCount++;
                problems.add(RawNames.show(RawNames.path(root.relativize(dir))) + ": cannot set its metadata ("
                        + IoErrors.describe(e) + ")");
            }
        }
        durability.flush();
    }

    /**
     * Sets modification and access time of {@code p} itself: {@code utimensat} by path where available, else the
     * JDK (which opens the file; giving both times saves it a read of the current access time).
     */
    private static void setTime(Path p, long nanos) throws IOException {
        if (LinuxCalls.available()) {
            LinuxCalls.setTimes(p, nanos);
            return;
        }
        FileTime t = FileTime.from(nanos, TimeUnit.NANOSECONDS);
        Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setTimes(t, t, null);
    }

    long entries() {
        return entries;
    }

    long written() {
        return written;
    }

    long discarded() {
        return discarded;
    }

    /** The problems, one per line (the first {@value #MAX_REPORTED}, then a count of the rest). */
    String problems() {
        StringBuilder sb = new StringBuilder();
        problems.forEach(p -> sb.append(p).append('\n'));
        if (problemCount > problems.size()) {
            sb.append("... and ").append(problemCount - problems.size()).append(" more\n");
        }
        return sb.toString();
    }

    boolean clean() {
        return problemCount == 0;
    }

    private static String key(byte[] name) {
        return new String(name, StandardCharsets.ISO_8859_1);
    }

    private static int indexOf(byte[] b, byte v) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == v) {
                return i;
            }
        }
        return -1;
    }

    private static int lastIndexOf(byte[] b, byte v) {
        for (int i = b.length - 1; i >= 0; i--) {
            if (b[i] == v) {
                return i;
            }
        }
        return -1;
    }
}
