package dev.memkit.cli.backup;

import dev.memkit.internal.IoErrors;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.zip.CRC32C;

/**
 * The sending side of a backup: walks a tree, reads files in parallel, compresses each chunk into a buffer from
 * the chosen {@link Buffers} strategy, and streams it to a receiver. Each worker has its own connection and
 * waits for the receiver's verdict on every file, so {@link Result#verifiedFiles()} counts only files the
 * receiver has verified and written.
 */
public final class Sender {
    /** What a backup did. The backup succeeded only if {@link #ok()}. */
    public record Result(int totalFiles, long totalBytes, int verifiedFiles, long verifiedBytes,
                         List<String> failures, long nanos) {
        public boolean ok() {
            return failures.isEmpty() && verifiedFiles == totalFiles;
        }
    }

    /** Progress callback: files and bytes verified so far. Called from worker threads. */
    public interface Progress {
        void update(int files, long bytes, int totalFiles, long totalBytes);
    }

    private final Path source;
    private final InetSocketAddress target;
    private final int threads;
    private final Buffers buffers;
    private final Supplier<Codec> codecs;
    private final Progress progress;

    public Sender(Path source, InetSocketAddress target, int threads, Buffers buffers, Supplier<Codec> codecs,
                  Progress progress) {
        this.source = source;
        this.target = target;
        this.threads = threads;
        this.buffers = buffers;
        this.codecs = codecs;
        this.progress = progress;
    }

    record Item(Path path, String name, long size) {}

    public Result run() throws IOException, InterruptedException {
        long start = System.nanoTime();
        List<Item> items = listFiles();
        long total = items.stream().mapToLong(Item::size).sum();
        ConcurrentLinkedQueue<Item> queue = new ConcurrentLinkedQueue<>(items);
        List<String> failures = new CopyOnWriteArrayList<>();
        AtomicLong doneFiles = new AtomicLong();
        AtomicLong doneBytes = new AtomicLong();
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < Math.max(1, Math.min(threads, items.size())); i++) {
            workers.add(Thread.ofPlatform().name("backup-" + i).start(() -> {
                try {
                    work(queue, failures, doneFiles, doneBytes, items.size(), total);
                } catch (IOException | RuntimeException e) {
                    failures.add(describe(e));
                    queue.clear();
                }
            }));
        }
        for (Thread t : workers) {
            t.join();
        }
        return new Result(items.size(), total, (int) doneFiles.get(), doneBytes.get(), List.copyOf(failures),
                System.nanoTime() - start);
    }

    private String describe(Exception e) {
        if (e instanceof java.net.ConnectException) {
            return "receiver at " + target.getHostString() + ":" + target.getPort() + " is unreachable: "
                    + e.getMessage();
        }
        if (e instanceof java.io.EOFException || e instanceof SocketTimeoutException
                || (e instanceof IOException && String.valueOf(e.getMessage()).matches(
                        "(?i).*(broken pipe|reset|closed).*"))) {
            return "receiver stopped mid-stream: " + e;
        }
        return e.toString();
    }

    private List<Item> listFiles() throws IOException {
        if (!Files.isDirectory(source)) {
            throw new IOException("source " + source + (Files.exists(source) ? " is not a directory"
                    : " does not exist"));
        }
        if (!Files.isReadable(source)) {
            throw new IOException("source " + source + " is not readable");
        }
        List<Item> out = new ArrayList<>();
        Files.walkFileTree(source, EnumSet.noneOf(FileVisitOption.class), Integer.MAX_VALUE,
                new java.nio.file.SimpleFileVisitor<>() {
                    @Override
                    public java.nio.file.FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                        if (attrs.isRegularFile()) {
                            StringBuilder name = new StringBuilder();
                            for (Path part : source.relativize(file)) {
                                name.append(name.isEmpty() ? "" : "/").append(part);
                            }
                            out.add(new Item(file, name.toString(), attrs.size()));
                        }
                        return java.nio.file.FileVisitResult.CONTINUE;
                    }

                    @Override
                    public java.nio.file.FileVisitResult visitFileFailed(Path file, IOException e)
                            throws IOException {
                        throw new IOException("cannot read " + file + ": " + IoErrors.describe(e), e);
                    }
                });
        out.sort(Comparator.comparingLong(Item::size).reversed());
        return out;
    }

    private void work(ConcurrentLinkedQueue<Item> queue, List<String> failures, AtomicLong doneFiles,
                      AtomicLong doneBytes, int totalFiles, long totalBytes) throws IOException {
        Codec codec = codecs.get();
        try (SocketChannel ch = SocketChannel.open()) {
            ch.socket().connect(target, 10_000);
            ch.socket().setSoTimeout(120_000);
            InputStream in = Channels.newInputStream(ch);
            DataInputStream replies = new DataInputStream(in);
            ByteBuffer header = ByteBuffer.allocate(Protocol.MAX_PATH_BYTES + 64);
            header.putInt(Protocol.MAGIC).put(codec.id()).flip();
            writeFully(ch, header);
            for (Item item; (item = queue.poll()) != null; ) {
                String problem = sendFile(ch, header, codec, item);
                byte verdict = replies.readByte();
                String message = new String(replies.readNBytes(replies.readUnsignedShort()), StandardCharsets.UTF_8);
                if (problem != null) {
                    failures.add(item.name() + ": " + problem);
                } else if (verdict != Protocol.OK) {
                    failures.add(item.name() + ": receiver refused it: " + message);
                } else {
                    long files = doneFiles.incrementAndGet();
                    long bytes = doneBytes.addAndGet(item.size());
                    progress.update((int) files, bytes, totalFiles, totalBytes);
                }
            }
            header.clear().put(Protocol.BYE).flip();
            writeFully(ch, header);
        }
    }

    /** Streams one file; returns a problem found on this side (the file changed), or null. */
    private String sendFile(SocketChannel ch, ByteBuffer header, Codec codec, Item item) throws IOException {
        byte[] name = item.name().getBytes(StandardCharsets.UTF_8);
        if (name.length > Protocol.MAX_PATH_BYTES) {
            throw new IOException("path too long for the protocol: " + item.name());
        }
        MessageDigest sha = sha256();
        String problem = null;
        FileTime before = Files.getLastModifiedTime(item.path(), LinkOption.NOFOLLOW_LINKS);
        header.clear().put(Protocol.FILE).putShort((short) name.length).put(name).putLong(item.size()).flip();
        writeFully(ch, header);
        try (FileChannel file = FileChannel.open(item.path(), StandardOpenOption.READ)) {
            long pos = 0;
            while (pos < item.size()) {
                int n = (int) Math.min(Protocol.MAX_CHUNK, item.size() - pos);
                try (Buffers.Loan raw = buffers.get(n); Buffers.Loan packed = buffers.get(codec.maxCompressedLength(n))) {
                    ByteBuffer in = raw.bytes();
                    int read = 0;
                    while (read < n) {
                        int k = file.read(in, pos + read);
                        if (k < 0) {
                            break;
                        }
                        read += k;
                    }
                    if (read < n) {
                        // The file shrank while we read it: send what keeps the stream framed, report it.
                        problem = "changed while being read (shrank from " + item.size() + " bytes)";
                        in.position(read);
                        while (in.hasRemaining()) {
                            in.put((byte) 0);
                        }
                    }
                    in.flip();
                    sha.update(in.duplicate());
                    CRC32C crcRaw = new CRC32C();
                    crcRaw.update(in.duplicate());
                    int len = codec.compress(in, packed.bytes());
                    ByteBuffer out = packed.bytes().duplicate().position(0).limit(len);
                    CRC32C crcPacked = new CRC32C();
                    crcPacked.update(out.duplicate());
                    header.clear().put(Protocol.CHUNK).putInt(n).putInt(len).putInt((int) crcRaw.getValue())
                            .putInt((int) crcPacked.getValue()).flip();
                    writeFully(ch, header, out);
                }
                pos += n;
            }
            if (problem == null && (file.size() != item.size()
                    || !before.equals(Files.getLastModifiedTime(item.path(), LinkOption.NOFOLLOW_LINKS)))) {
                problem = "changed while being read (size or modification time moved)";
            }
        } catch (java.nio.file.NoSuchFileException e) {
            problem = "disappeared before it could be read";
        } catch (java.nio.file.AccessDeniedException e) {
            problem = "not readable (permission denied)";
        }
        byte[] digest = sha.digest();
        if (problem != null) {
            digest[0] ^= 1; // make sure the receiver does not keep a file we know is inconsistent
        }
        header.clear().put(Protocol.END).put(digest).flip();
        writeFully(ch, header);
        return problem;
    }

    private static void writeFully(SocketChannel ch, ByteBuffer... parts) throws IOException {
        long remaining = 0;
        for (ByteBuffer b : parts) {
            remaining += b.remaining();
        }
        while (remaining > 0) {
            remaining -= ch.write(parts);
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
