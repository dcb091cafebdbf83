package dev.memkit.cli.backup;

import dev.memkit.internal.IoErrors;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.zip.CRC32C;

/**
 * The sending side of a backup.
 *
 * <p><b>Pipeline.</b> The calling thread walks the tree ({@link TreeWalker}) and writes each entry's record, file
 * bytes included, into the current raw block: a buffer of {@link Protocol#BLOCK_BYTES} from the chosen
 * {@link Buffers} strategy, read into directly from the file, so thousands of small files share one block and a
 * large file fills many. A full block goes to {@code threads} compressor threads, each compressing into a second
 * buffer from the strategy; one writer thread sends the packed blocks in order. At most {@code threads + 2}
 * blocks are in flight (a semaphore), so memory stays bounded whatever the tree, and the pooled strategy reuses
 * the same few buffers for the whole backup. There is no per-file round trip: the receiver answers once, after
 * everything it wrote is on disk ({@link Protocol}).
 *
 * <p><b>What counts.</b> Entries the walker could not back up, and files that changed while being read, are
 * listed in {@link Result#skipped()}; the receiver's refusals in {@link Result#failures()}. The backup succeeded
 * only if both are empty and the receiver wrote every entry it kept.
 *
 * <p>Not thread-safe; {@link #run()} once.
 */
public final class Sender {
    /**
     * What a backup did.
     *
     * @param entries entries sent
     * @param fileBytes bytes of file content sent
     * @param expected entries the receiver should have written (sent, less files discarded as changed)
     * @param written entries the receiver reports written and on disk
     * @param skipped what was not backed up, with the reason
     * @param failures what went wrong on the receiver or on the way
     * @param nanos wall time
     */
    public record Result(long entries, long fileBytes, long expected, long written, List<String> skipped,
                         List<String> failures, long nanos) {
        public boolean ok() {
            return skipped.isEmpty() && failures.isEmpty() && written == expected;
        }
    }

    /** Progress callback on the walking thread: entries and file bytes sent so far. */
    public interface Progress {
        void update(long entries, long bytes);
    }

    private final Path source;
    private final InetSocketAddress target;
    private final int threads;
    private final Buffers buffers;
    private final Supplier<Codec> codecs;
    private final Progress progress;

    private final List<String> skipped = new ArrayList<>();
    private long entries;
    private long fileBytes;
    private long discarded;
    private Buffers.Loan block;              // the raw block being filled
    private ByteBuffer out;                  // its bytes
    private Pipeline pipeline;
    private SocketChannel channel;           // the connection, once open

    public Sender(Path source, InetSocketAddress target, int threads, Buffers buffers, Supplier<Codec> codecs,
                  Progress progress) {
        this.source = source;
        this.target = target;
        this.threads = threads;
        this.buffers = buffers;
        this.codecs = codecs;
        this.progress = progress;
    }

    public Result run() throws IOException, InterruptedException {
        long start = System.nanoTime();
        if (!Files.isReadable(source)) {
            throw new IOException("source " + source + (Files.exists(source) ? " is not readable" : " does not exist"));
        }
        List<String> failures = new ArrayList<>();
        long written = 0;
        try {
            SocketChannel ch = connect();
            channel = ch;
            byte codecId = codecs.get().id();
            writeFully(ch, ByteBuffer.allocate(5).putInt(Protocol.MAGIC).put(codecId).flip());
            pipeline = new Pipeline(ch, threads, buffers, codecs);
            try {
                new TreeWalker(skipped).walk(source, this::send);
                flushBlock();
                pipeline.finish();
            } finally {
                pipeline.close();
                if (block != null) {
                    block.close();
                }
            }
            writeFully(ch, ByteBuffer.allocate(17).put(Protocol.END).putLong(entries).putLong(fileBytes).flip());
            written = readVerdict(ch, failures);
        } catch (IOException e) {
            // The receiver may have refused the stream and said why before closing: prefer its words.
            if (!verdictAfterFailure(failures)) {
                failures.add(describe(e));
            }
        } finally {
            if (channel != null) {
                channel.close();
            }
        }
        return new Result(entries, fileBytes, entries - discarded, written, List.copyOf(skipped),
                List.copyOf(failures), System.nanoTime() - start);
    }

    /** Reads the receiver's verdict; its message lines become failures unless it says 'K'. */
    private static long readVerdict(SocketChannel ch, List<String> failures) throws IOException {
        DataInputStream in = new DataInputStream(ch.socket().getInputStream()); // honours the read timeout
        byte verdict = in.readByte();
        long written = in.readLong();
        int len = in.readInt();
        if ((verdict != Protocol.OK && verdict != Protocol.REFUSED) || len < 0 || len > 1 << 20) {
            throw new IOException("receiver sent a malformed verdict");
        }
        String message = new String(in.readNBytes(len), StandardCharsets.UTF_8);
        if (verdict != Protocol.OK) {
            message.lines().forEach(failures::add);
        }
        return written;
    }

    /** After a failed send: whether the receiver's verdict could still be read (a few seconds at most). */
    private boolean verdictAfterFailure(List<String> failures) {
        SocketChannel ch = channel;
        if (ch == null || !ch.isOpen()) {
            return false;
        }
        try {
            ch.socket().setSoTimeout(3_000);
            int before = failures.size();
            readVerdict(ch, failures);
            return failures.size() > before;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private SocketChannel connect() throws IOException {
        SocketChannel ch = SocketChannel.open();
        try {
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.socket().connect(target, 10_000);
            ch.socket().setSoTimeout((int) TimeUnit.MINUTES.toMillis(10)); // the receiver's final sync included
            return ch;
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }

    private String describe(IOException e) {
        if (e instanceof java.net.ConnectException) {
            return "receiver at " + target.getHostString() + ":" + target.getPort() + " is unreachable: "
                    + e.getMessage();
        }
        if (e instanceof java.io.EOFException || e instanceof SocketTimeoutException
                || String.valueOf(e.getMessage()).matches("(?i).*(broken pipe|reset|closed).*")) {
            return "receiver stopped mid-stream: " + IoErrors.describe(e);
        }
        return IoErrors.describe(e);
    }

    /** Writes one entry's record (and a file's bytes) into the block stream. */
    private void send(Entry e, Path path) throws IOException {
        int nameLen = e.name().length;
        int targetLen = e.target() == null ? 0 : e.target().length;
        if (nameLen > Protocol.MAX_NAME_BYTES || targetLen > Protocol.MAX_NAME_BYTES) {
            skipped.add(e.shown() + ": name or link target longer than " + Protocol.MAX_NAME_BYTES + " bytes");
            return;
        }
        FileChannel file = null;
        if (e.kind() == Entry.Kind.FILE) {
            try {
                file = FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
            } catch (IOException x) {
                skipped.add(e.shown() + ": cannot read (" + IoErrors.describe(x) + ")");
                return;
            }
        }
        room(nameLen + targetLen + 32);
        out.put(e.kind().tag).putInt(nameLen).put(e.name());
        switch (e.kind()) {
            case DIRECTORY -> out.putInt(e.mode()).putLong(e.mtimeNanos());
            case SYMLINK, HARDLINK -> out.putInt(targetLen).put(e.target());
            case FILE -> {
                out.putInt(e.mode()).putLong(e.mtimeNanos()).putLong(e.size());
                try (FileChannel f = file) {
                    String problem = copy(f, e.size());
                    if (problem == null && (f.size() != e.size() || Files.getLastModifiedTime(path,
                            LinkOption.NOFOLLOW_LINKS).to(TimeUnit.NANOSECONDS) != e.mtimeNanos())) {
                        problem = "changed while being read";
                    }
                    room(1);
                    out.put((byte) (problem == null ? 0 : 1));
                    if (problem != null) {
                        skipped.add(e.shown() + ": " + problem + " (not backed up)");
                        discarded++;
                    }
                }
                fileBytes += e.size();
            }
        }
        entries++;
        progress.update(entries, fileBytes);
    }

    /**
     * Streams exactly {@code size} bytes of the file into the blocks; returns a problem (the file shrank or could
     * not be read, the rest padded with zeros so the stream stays framed), or null.
     */
    private String copy(FileChannel file, long size) throws IOException {
        String problem = null;
        for (long pos = 0; pos < size; ) {
            room(1);
            int n = (int) Math.min(out.remaining(), size - pos);
            ByteBuffer slice = out.slice(out.position(), n);
            int read = 0;
            if (problem == null) {
                try {
                    while (read < n) {
                        int k = file.read(slice, pos + read);
                        if (k < 0) {
                            problem = "shrank while being read";
                            break;
                        }
                        read += k;
                    }
                } catch (IOException x) {
                    problem = "read failed (" + IoErrors.describe(x) + ")";
                }
            }
            for (int i = read; i < n; i++) {
                slice.put(i, (byte) 0);
            }
            out.position(out.position() + n);
            pos += n;
        }
        return problem;
    }

    /** Makes sure the current block has {@code bytes} free, sending it and starting another if not. */
    private void room(int bytes) throws IOException {
        if (out != null && out.remaining() >= bytes) {
            return;
        }
        flushBlock();
        block = pipeline.newBlock();
        out = block.bytes();
    }

    private void flushBlock() {
        if (block != null && out.position() > 0) {
            pipeline.submit(block, out.position());
        } else if (block != null) {
            block.close();
        }
        block = null;
        out = null;
    }

    static void writeFully(SocketChannel ch, ByteBuffer... parts) throws IOException {
        long remaining = 0;
        for (ByteBuffer b : parts) {
            remaining += b.remaining();
        }
        while (remaining > 0) {
            remaining -= ch.write(parts);
        }
    }

    /**
     * Compression in parallel, sending in order, at most {@code threads + 2} blocks in flight. Owns its threads;
     * the walking thread calls {@link #newBlock}, {@link #submit} and {@link #finish}.
     */
    private static final class Pipeline implements AutoCloseable {
        private record Packed(Buffers.Loan loan, int rawLen, int len, int crcRaw, int crcPacked) {}

        private static final CompletableFuture<Packed> DONE = CompletableFuture.completedFuture(null);
        private final SocketChannel ch;
        private final Buffers buffers;
        private final Semaphore window;
        private final ExecutorService compressors;
        private final ThreadLocal<Codec> codec;
        private final BlockingQueue<CompletableFuture<Packed>> inOrder = new LinkedBlockingQueue<>();
        private final Thread writer;
        private volatile IOException failure;

        Pipeline(SocketChannel ch, int threads, Buffers buffers, Supplier<Codec> codecs) {
            this.ch = ch;
            this.buffers = buffers;
            this.window = new Semaphore(threads + 2);
            this.compressors = Executors.newFixedThreadPool(threads,
                    Thread.ofPlatform().daemon().name("backup-compress-", 0).factory());
            this.codec = ThreadLocal.withInitial(codecs);
            this.writer = Thread.ofPlatform().daemon().name("backup-send").start(this::sendInOrder);
        }

        /** A raw block to fill; waits while the window is full. */
        Buffers.Loan newBlock() throws IOException {
            if (failure != null) {
                throw failure; // the receiver went away: stop walking
            }
            window.acquireUninterruptibly();
            return buffers.get(Protocol.BLOCK_BYTES);
        }

        void submit(Buffers.Loan raw, int length) {
            inOrder.add(CompletableFuture.supplyAsync(() -> compress(raw, length), compressors));
        }

        private Packed compress(Buffers.Loan raw, int length) {
            try (raw) {
                Codec c = codec.get();
                ByteBuffer in = raw.bytes().duplicate().position(0).limit(length);
                CRC32C crc = new CRC32C();
                crc.update(in.duplicate());
                Buffers.Loan packed = buffers.get(c.maxCompressedLength(length));
                int len = c.compress(in, packed.bytes());
                CRC32C crcPacked = new CRC32C();
                crcPacked.update(packed.bytes().duplicate().position(0).limit(len));
                return new Packed(packed, length, len, (int) crc.getValue(), (int) crcPacked.getValue());
            }
        }

        private void sendInOrder() {
            ByteBuffer header = ByteBuffer.allocate(Protocol.BLOCK_HEADER_BYTES);
            try {
                for (CompletableFuture<Packed> f; (f = inOrder.take()) != DONE; ) {
                    Packed p;
                    try {
                        p = f.join();
                    } catch (RuntimeException e) { // a codec failure: nothing more can be sent in order
                        failure = new IOException("compression failed: " + e.getCause(), e);
                        window.release();
                        continue;
                    }
                    try (Buffers.Loan loan = p.loan()) {
                        if (failure == null) {
                            header.clear().put(Protocol.BLOCK).putInt(p.rawLen()).putInt(p.len()).putInt(p.crcRaw())
                                    .putInt(p.crcPacked()).flip();
                            writeFully(ch, header, loan.bytes().duplicate().position(0).limit(p.len()));
                        }
                    } catch (IOException e) {
                        failure = e;
                    } finally {
                        window.release();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Waits until every block is sent; throws what sending hit. */
        void finish() throws IOException, InterruptedException {
            inOrder.add(DONE);
            writer.join();
            if (failure != null) {
                throw failure;
            }
        }

        /** Drains what is in flight (returning its buffers) and stops the threads. */
        @Override
        public void close() {
            if (writer.isAlive()) {
                inOrder.add(DONE);
                boolean interrupted = false;
                while (writer.isAlive()) {
                    try {
                        writer.join();
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            compressors.shutdown();
        }
    }
}
