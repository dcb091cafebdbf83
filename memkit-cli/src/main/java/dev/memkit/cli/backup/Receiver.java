package dev.memkit.cli.backup;

import dev.memkit.internal.IoErrors;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The receiving side: accepts backups, one virtual thread per connection. Each connection's block stream
 * ({@link BlockInput}: checksums, decompression) feeds a {@link TreeWriter} that recreates the entries under the
 * output directory, refusing anything that would write outside it. After the sender's END the receiver applies
 * directory metadata, makes everything durable, and answers once: 'K' only if every entry was written and is on
 * disk. A malformed, truncated or corrupt stream ends that connection with an 'X' naming the problem (if the peer
 * still listens) and a line on standard error; other connections are not affected.
 *
 * <p>Thread-safe; {@link #close()} stops accepting and closes open connections.
 */
public final class Receiver implements AutoCloseable {
    private final Path outDir;
    private final boolean syncfs;
    private final ServerSocket server;
    private final Thread acceptor;
    private final AtomicLong backups = new AtomicLong();
    private final AtomicLong failedBackups = new AtomicLong();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile Throwable fatal;

    public Receiver(InetAddress bind, int port, Path outDir) throws IOException {
        this(bind, port, outDir, true);
    }

    /** {@code syncfs}: flush batches with one {@code syncfs} when possible (false: file by file, for tests). */
    public Receiver(InetAddress bind, int port, Path outDir, boolean syncfs) throws IOException {
        Files.createDirectories(outDir);
        this.outDir = outDir.toRealPath();
        this.syncfs = syncfs;
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(bind, port));
        this.acceptor = Thread.ofPlatform().daemon().name("receiver-accept").start(this::acceptLoop);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Backups answered 'K'. */
    public long backups() {
        return backups.get();
    }

    /** Backups answered 'X' or broken off. */
    public long failedBackups() {
        return failedBackups.get();
    }

    public void awaitClose() throws InterruptedException {
        acceptor.join();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                open.add(s);
                if (server.isClosed()) { // close() ran between accept and add: it did not see this connection
                    open.remove(s);
                    s.close();
                    return;
                }
                Thread.ofVirtual().name("receiver-conn").start(() -> {
                    try (s) {
                        serve(s);
                    } catch (IOException | RuntimeException e) {
                        failedBackups.incrementAndGet();
                        if (!server.isClosed()) {
                            System.err.println("receiver: backup from " + s.getRemoteSocketAddress() + " failed: "
                                    + IoErrors.describe(e));
                        }
                    } finally {
                        open.remove(s);
                    }
                });
            } catch (IOException e) {
                if (!server.isClosed()) {
                    fatal = e;
                }
                return;
            }
        }
    }

    private void serve(Socket socket) throws IOException {
        socket.setSoTimeout(300_000);
        socket.setTcpNoDelay(true);
        DataInputStream wire = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 18));
        DataOutputStream reply = new DataOutputStream(socket.getOutputStream());
        if (wire.readInt() != Protocol.MAGIC) {
            answer(reply, false, 0, "not a memkit backup stream of this version (bad magic)");
            throw new IOException("not a memkit backup stream of this version");
        }
        Codec codec;
        try {
            codec = Codec.forId(wire.readByte());
        } catch (Codec.CorruptDataException e) {
            answer(reply, false, 0, e.getMessage());
            throw new IOException(e.getMessage(), e);
        }
        if (!Files.isDirectory(outDir)) {
            answer(reply, false, 0, "the receiver's output directory " + outDir + " no longer exists");
            throw new IOException("output directory " + outDir + " no longer exists");
        }
        BlockInput blocks = new BlockInput(wire, codec);
        DataInputStream records = new DataInputStream(blocks);
        TreeWriter writer = new TreeWriter(outDir, new Durability(outDir, syncfs));
        try {
            for (int tag; (tag = records.read()) >= 0; ) {
                writer.apply((byte) tag, records);
            }
            if (blocks.sentEntries != writer.entries()) {
                throw new IOException("protocol error: the sender announced " + blocks.sentEntries
                        + " entries and sent " + writer.entries());
            }
            writer.finish();
        } catch (IOException | RuntimeException e) {
            try {
                answer(reply, false, writer.written(), IoErrors.describe(e));
            } catch (IOException peerGone) {
                e.addSuppressed(peerGone);
            }
            throw e;
        }
        boolean ok = writer.clean() && writer.written() == writer.entries() - writer.discarded();
        answer(reply, ok, writer.written(), writer.problems());
        (ok ? backups : failedBackups).incrementAndGet();
    }

    private static void answer(DataOutputStream reply, boolean ok, long written, String message) throws IOException {
        byte[] msg = message.getBytes(StandardCharsets.UTF_8);
        reply.writeByte(ok ? Protocol.OK : Protocol.REFUSED);
        reply.writeLong(written);
        reply.writeInt(msg.length);
        reply.write(msg);
        reply.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            s.close();
        }
        if (fatal != null) {
            throw new IOException("receiver failed", fatal);
        }
    }
}
