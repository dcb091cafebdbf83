package dev.memkit.offheap;

import dev.memkit.internal.IoErrors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The on-disk form of a persistent {@link LongLongMap}: a directory with a manifest and one file per segment
 * generation.
 *
 * <pre>
 *   manifest (little-endian)                      seg-I-G: segment I, generation G
 *   0   8  magic "MKLLMAP1"                        0     8  magic "MKLLSEG1"
 *   8   4  format version (4; BytesMap: 3)         8     4  format version (4)
 *   12  4  segments n                              12    4  capacity (slots)
 *   16  8  map id (random, fixed at create)        16    4  size (entries in the table)
 *   24  16*n per segment:                          20    4  has key 0 (0 or 1)
 *          8  generation G                         24    8  value of key 0
 *          4  CRC32C of the segment's table        32    8  map id       \
 *          4  reserved                             40    8  generation G  } identity: which map, segment and
 *   24+16n 4  CRC32C of everything before          48    4  segment I    /  generation this file belongs to
 *                                                  52    4  CRC32C of bytes 0..51
 *                                                  4096  16*capacity  the table (LongTable's buckets)
 * </pre>
 * A BytesMap's segment files ({@link BytesSegmentFile}) carry the same identity at the same offsets.
 *
 * <p><b>Crash consistency.</b> Files are never modified after they are written. A map opened from a directory maps
 * each segment file <em>privately</em> (copy-on-write): reads come straight from the file, so opening is instant at
 * any size, and changes stay in memory. {@link LongLongMap#sync()} writes every segment changed since the last sync
 * to a new generation file and forces it, then writes a new manifest to a temporary file, forces it and renames it
 * over the old one (atomic), then deletes the superseded files. A crash at any point leaves the previous or the
 * new manifest, each naming complete files: reopening sees exactly the map as of the last completed sync.
 *
 * <p><b>What opening checks.</b> {@code open} checks the manifest (magic, version, kind, checksum) and every segment
 * file's header: magic, version, checksum, sizes against the file's length, and identity (the map id, segment
 * index and generation the manifest names), so a file from another map or another generation is refused. It does
 * not read the tables: a damaged byte inside a table or record area is found only by {@code openVerified}, which
 * checks every body against the checksum the manifest records. Files an interrupted sync left behind (a next
 * generation never committed, a temporary manifest) are deleted at open, under the lock.
 *
 * <p><b>Lock.</b> An exclusive lock on the file {@code lock} in the directory. A lock cannot stop that file from
 * being deleted, so before every commit the map checks that the lock file is still the one it locked, and refuses
 * to write if it was deleted or replaced (another process may have opened the map meanwhile).
 */
final class MapFiles implements AutoCloseable {
    static final int HEADER = 4096;
    static final long LONG_MAP = 0x3150414D4C4C4B4DL;            // "MKLLMAP1": a LongLongMap
    static final long BYTES_MAP = 0x3150414D59424B4DL;           // "MKBYMAP1": a BytesMap
    private static final long SEG_MAGIC = 0x314745534C4C4B4DL;   // "MKLLSEG1"
    // Format versions, per kind: a LongLongMap's 3 has linear-hashing bucket addresses (2 multiplicative ones,
    // 1 Robin Hood tables); a BytesMap's manifest is still version 2.
    private static final int LONG_VERSION = 4;
    private static final int BYTES_VERSION = 3;
    /** Where a segment header's identity starts, and the header bytes its checksum covers. */
    static final int ID_AT = 32;
    static final int HEADER_CRC_AT = 52;

    final Path dir;
    private final long kind;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Object lockKey;           // the lock file's identity (inode) when locked
    long mapId;
    final long[] generations;
    final int[] tableCrcs;
    private boolean changed;                // a segment was written since the last commit

    /** A segment read from disk: its table memory (privately mapped) and its scalar state. */
    record LoadedSegment(MemorySegment table, Arena arena, int capacity, int size, boolean hasZero, long zeroValue) {}

    private MapFiles(Path dir, long kind, FileChannel lockChannel, FileLock lock, Object lockKey, int segments) {
        this.dir = dir;
        this.kind = kind;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.lockKey = lockKey;
        this.generations = new long[segments];
        this.tableCrcs = new int[segments];
    }

    private static int versionOf(long kind) {
        return kind == LONG_MAP ? LONG_VERSION : BYTES_VERSION;
    }

    /** Creates the directory (owner-only) for a new map; it must not exist yet. */
    static MapFiles create(Path dir, int segments, long kind) {
        try {
            if (Files.exists(dir)) {
                throw new IllegalArgumentException("will not overwrite existing " + dir);
            }
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            } catch (UnsupportedOperationException notPosix) {
                Files.createDirectory(dir);
            }
            MapFiles f = lock(dir, segments, kind);
            java.util.Arrays.fill(f.generations, -1);
            f.mapId = new java.security.SecureRandom().nextLong();
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir + ": " + IoErrors.describe(e), e);
        }
    }

    private static MapFiles lock(Path dir, int segments, long kind) throws IOException {
        FileChannel ch = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            FileLock lock = FileLocks.lock(ch, dir);
            Object key = lockFileKey(dir);
            return new MapFiles(dir, kind, ch, lock, key, segments);
        } catch (IllegalStateException | IOException e) {
            ch.close();
            throw e;
        }
    }

    private static Object lockFileKey(Path dir) throws IOException {
        return Files.readAttributes(dir.resolve("lock"), java.nio.file.attribute.BasicFileAttributes.class,
                java.nio.file.LinkOption.NOFOLLOW_LINKS).fileKey();
    }

    /** Refuses to write when the lock file was deleted or replaced since it was locked (see the class comment). */
    private void checkLock() throws IOException {
        Object now;
        try {
            now = lockFileKey(dir);
        } catch (java.nio.file.NoSuchFileException e) {
            now = null;
        }
        if (lockKey != null && !lockKey.equals(now)) {
            throw new IllegalStateException("the lock file of " + dir + " was deleted or replaced while this map "
                    + "was open, so another process may have opened it too: refusing to write");
        }
    }

    /**
     * Deletes what an interrupted sync left: segment files of this map's segments that the manifest does not name
     * (a next generation never committed, or a superseded one not yet deleted), and a temporary manifest.
     */
    private void removeLeftovers() throws IOException {
        Files.deleteIfExists(dir.resolve("manifest.tmp"));
        try (var entries = Files.newDirectoryStream(dir, "seg-*")) {
            for (Path p : entries) {
                String[] parts = p.getFileName().toString().split("-");
                if (parts.length != 3) {
                    continue;
                }
                try {
                    int i = Integer.parseInt(parts[1]);
                    long g = Long.parseLong(parts[2]);
                    if (i >= 0 && i < generations.length && g != generations[i]) {
                        Files.deleteIfExists(p); // a sync that never committed, or one that stopped before its deletes
                    }
                } catch (NumberFormatException notOurs) {
                    // not a name this map writes: leave it
                }
            }
        }
    }

    /** Which map, segment and generation a segment file belongs to (see the layout above). */
    record SegmentId(long mapId, int index, long generation) {
        void put(ByteBuffer h) {
            h.putLong(ID_AT, mapId).putLong(ID_AT + 8, generation).putInt(ID_AT + 16, index);
            h.putInt(HEADER_CRC_AT, OffHeapIo.crc(h.array(), 0, HEADER_CRC_AT));
        }

        /** Checks a header's checksum and identity (the caller checked the magic). */
        void check(ByteBuffer h, Path file) {
            if (OffHeapIo.crc(h.array(), 0, HEADER_CRC_AT) != h.getInt(HEADER_CRC_AT)) {
                throw new IllegalArgumentException(file + ": corrupt segment header (checksum mismatch)");
            }
            if (h.getLong(ID_AT) != mapId) {
                throw new IllegalArgumentException(file + " belongs to another map (foreign file)");
            }
            if (h.getLong(ID_AT + 8) != generation || h.getInt(ID_AT + 16) != index) {
                throw new IllegalArgumentException(file + " is segment " + h.getInt(ID_AT + 16) + " generation "
                        + h.getLong(ID_AT + 8) + ", but the manifest names segment " + index + " generation "
                        + generation + " (a file from another generation or segment)");
            }
        }
    }

    /** The identity of segment {@code i}'s current file. */
    SegmentId currentId(int i) {
        return new SegmentId(mapId, i, generations[i]);
    }

    /** The identity of segment {@code i}'s next generation file. */
    SegmentId nextId(int i) {
        return new SegmentId(mapId, i, generations[i] + 1);
    }

    /** Opens an existing map directory: reads and checks the manifest; the segments are loaded by {@link #load}. */
    static MapFiles open(Path dir, long kind) {
        Path manifest = dir.resolve("manifest");
        byte[] bytes;
        try {
            if (!Files.isRegularFile(manifest)) {
                throw new IllegalArgumentException(dir + " is not a memkit map (no manifest)");
            }
            if (Files.size(manifest) > 24 + 16L * 65_536 + 4) {
                throw new IllegalArgumentException(dir + ": manifest too large (foreign or corrupt)");
            }
            bytes = Files.readAllBytes(manifest);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + manifest + ": " + IoErrors.describe(e), e);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 20 || (b.getLong(0) != LONG_MAP && b.getLong(0) != BYTES_MAP)) {
            throw new IllegalArgumentException(dir + " is not a memkit map (bad manifest magic)");
        }
        int version = versionOf(b.getLong(0));
        if (b.getInt(8) != version) {
            throw new IllegalArgumentException(dir + ": unsupported format version " + b.getInt(8)
                    + " (this memkit reads version " + version + ")");
        }
        int n = b.getInt(12);
        if (n < 1 || n > 65_536 || bytes.length != 24 + 16 * n + 4) {
            throw new IllegalArgumentException(dir + ": corrupt manifest (truncated, or " + n + " segments)");
        }
        if (OffHeapIo.crc(bytes, 0, bytes.length - 4) != b.getInt(bytes.length - 4)) {
            throw new IllegalArgumentException(dir + ": corrupt manifest (checksum mismatch)");
        }
        if (b.getLong(0) != kind) {
            throw new IllegalArgumentException(dir + " holds a " + (b.getLong(0) == LONG_MAP ? "LongLongMap"
                    : "BytesMap") + ", not a " + (kind == LONG_MAP ? "LongLongMap" : "BytesMap"));
        }
        try {
            MapFiles f = lock(dir, n, kind);
            f.mapId = b.getLong(16);
            for (int i = 0; i < n; i++) {
                f.generations[i] = b.getLong(24 + 16 * i);
                f.tableCrcs[i] = b.getInt(24 + 16 * i + 8);
            }
            try {
                f.removeLeftovers();
            } catch (IOException | RuntimeException e) {
                f.close();
                throw e;
            }
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + dir + ": " + IoErrors.describe(e), e);
        }
    }

    /** The file of segment {@code i} in the current manifest. */
    Path currentSegmentFile(int i) {
        return segmentFile(i, generations[i]);
    }

    /**
     * Claims the next generation's file for segment {@code i}: the caller writes and forces it, then reports its
     * checksum with {@link #written}; the manifest names it from the next {@link #commit}.
     */
    Path nextSegmentFile(int i) {
        return segmentFile(i, generations[i] + 1);
    }

    /** Records that segment {@code i}'s next generation was written, with the checksum of its body. */
    void written(int i, int bodyCrc) {
        tableCrcs[i] = bodyCrc;
        pending(i, generations[i] + 1);
    }

    private Path segmentFile(int i, long generation) {
        return dir.resolve("seg-" + i + "-" + generation);
    }

    /** Maps segment {@code i} of the current manifest privately (copy-on-write), after checking its header. */
    LoadedSegment load(int i, boolean verify) {
        Path file = segmentFile(i, generations[i]);
        // A copy-on-write mapping needs a channel open for writing, though nothing is ever written through it.
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer h = ByteBuffer.allocate(HEADER_CRC_AT + 4).order(ByteOrder.LITTLE_ENDIAN);
            if (OffHeapIo.readFully(ch, h, 0) < HEADER_CRC_AT + 4 || h.getLong(0) != SEG_MAGIC) {
                throw new IllegalArgumentException(file + " is not a memkit map segment (truncated or foreign)");
            }
            currentId(i).check(h, file);
            if (h.getInt(8) != LONG_VERSION) {
                throw new IllegalArgumentException(file + ": unsupported segment format version " + h.getInt(8));
            }
            int capacity = h.getInt(12);
            int size = h.getInt(16);
            if (!LongTable.validCapacity(capacity) || size < 0 || size >= capacity) {
                throw new IllegalArgumentException(file + ": corrupt segment header (capacity " + capacity + ", size "
                        + size + ")");
            }
            long expected = HEADER + LongTable.bytesFor(capacity);
            if (ch.size() != expected) {
                throw new IllegalArgumentException(file + " is " + ch.size() + " bytes, expected " + expected
                        + " (truncated)");
            }
            Arena arena = Arena.ofShared();
            MemorySegment table = ch.map(FileChannel.MapMode.PRIVATE, HEADER, LongTable.bytesFor(capacity), arena);
            if (verify && OffHeapIo.crc(table) != tableCrcs[i]) {
                arena.close();
                throw new IllegalArgumentException(file + ": corrupt table (checksum mismatch)");
            }
            return new LoadedSegment(table, arena, capacity, size, h.getInt(20) != 0, h.getLong(24));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException(dir + ": segment file missing: " + file.getFileName(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot map " + file + ": " + IoErrors.describe(e), e);
        }
    }

    /** Writes segment {@code i}'s next generation file and forces it; the manifest is written by {@link #commit}. */
    void writeSegment(int i, LongTable t, boolean hasZero, long zeroValue) {
        long generation = generations[i] + 1;
        Path file = segmentFile(i, generation);
        ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
        h.putLong(0, SEG_MAGIC).putInt(8, LONG_VERSION).putInt(12, t.capacity).putInt(16, t.size)
                .putInt(20, hasZero ? 1 : 0).putLong(24, zeroValue);
        nextId(i).put(h);
        // No manifest names this file yet: whatever a crashed sync left under its name is overwritten.
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            OffHeapIo.writeFully(ch, h);
            MemorySegment mem = t.memory();
            for (long at = 0; at < mem.byteSize(); at += 1L << 30) {
                OffHeapIo.writeFully(ch, mem.asSlice(at, Math.min(1L << 30, mem.byteSize() - at)).asByteBuffer());
            }
            ch.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + IoErrors.describe(e), e);
        }
        tableCrcs[i] = OffHeapIo.crc(t.memory());
        pending(i, generation);
    }

    private final java.util.Map<Integer, Long> superseded = new java.util.HashMap<>();

    /** The checksum the manifest records for segment {@code i}'s body. */
    int bodyCrc(int i) {
        return tableCrcs[i];
    }

    private void pending(int i, long generation) {
        changed = true;
        if (generations[i] >= 0) {
            superseded.put(i, generations[i]);
        }
        generations[i] = generation;
    }

    /** Refuses to write if the lock was lost (see the class comment); called before writing any file. */
    void checkWritable() {
        try {
            checkLock();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check the lock of " + dir + ": " + IoErrors.describe(e), e);
        }
    }

    /**
     * Atomically replaces the manifest, then deletes the files it no longer names. Does nothing when no segment was
     * written since the last commit.
     */
    void commit() {
        if (!changed) {
            return;
        }
        int n = generations.length;
        ByteBuffer b = ByteBuffer.allocate(24 + 16 * n + 4).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, kind).putInt(8, versionOf(kind)).putInt(12, n).putLong(16, mapId);
        for (int i = 0; i < n; i++) {
            b.putLong(24 + 16 * i, generations[i]).putInt(24 + 16 * i + 8, tableCrcs[i]);
        }
        b.putInt(24 + 16 * n, OffHeapIo.crc(b.array(), 0, 24 + 16 * n));
        Path tmp = dir.resolve("manifest.tmp");
        try {
            checkLock();
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                OffHeapIo.writeFully(ch, b);
                ch.force(true);
            }
            try {
                Files.move(tmp, dir.resolve("manifest"), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IllegalStateException("the file system of " + dir + " cannot rename atomically", e);
            }
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);            // the rename itself is durable
            } catch (IOException notSupported) {
                // some platforms cannot open directories; the rename is still atomic
            }
            for (var e : superseded.entrySet()) {
                Files.deleteIfExists(segmentFile(e.getKey(), e.getValue()));
            }
            superseded.clear();
            changed = false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot commit " + dir + ": " + IoErrors.describe(e), e);
        }
    }

    /**
     * Runs a map's final sync at close: returns what it threw, wrapped to say the last changes were not synced, or
     * null. The caller releases everything regardless, then throws it (see {@link #unlock}).
     */
    RuntimeException finalSync(Runnable sync) {
        try {
            sync.run();
            return null;
        } catch (RuntimeException e) {
            return new UncheckedIOException(new IOException("closed " + dir + " without syncing its last changes: "
                    + e.getMessage(), e));
        }
    }

    /** Unlocks the directory; returns {@code pending}, or the unlock's failure (suppressed in {@code pending}). */
    RuntimeException unlock(RuntimeException pending) {
        try {
            close();
            return pending;
        } catch (RuntimeException e) {
            if (pending == null) {
                return e;
            }
            pending.addSuppressed(e);
            return pending;
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unlock " + dir + ": " + IoErrors.describe(e), e);
        }
    }
}
