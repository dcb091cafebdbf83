package dev.memkit.cli.backup;

import dev.memkit.internal.IoErrors;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

/**
 * The receiving side: accepts sender connections, checks every chunk's checksums, decompresses, writes each file
 * to a temporary name beside its destination, and renames it into place only after its SHA-256 matches. Then it
 * answers 'K'; any problem is answered 'X' with the reason, and the partial file is removed. Names are checked
 * by {@link SafePaths}, so nothing is ever written outside the output directory.
 *
 * <p>Thread-safe: one virtual thread per connection; {@link #close()} stops accepting and closes connections.
 */
public final class Receiver implements AutoCloseable {
    private final Path outDir;
    private final ServerSocket server;
    private final Thread acceptor;
    private final AtomicLong filesWritten = new AtomicLong();
    private final AtomicLong filesRefused = new AtomicLong();
    private final java.util.Set<Socket> open = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile Throwable fatal;

    public Receiver(InetAddress bind, int port, Path outDir) throws IOException {
        Files.createDirectories(outDir);
        this.outDir = outDir.toRealPath();
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(bind, port));
        this.acceptor = Thread.ofPlatform().daemon().name("receiver-accept").start(this::acceptLoop);
    }

    public int port() {
        return server.getLocalPort();
    }

    public long filesWritten() {
        return filesWritten.get();
    }

    public long filesRefused() {
        return filesRefused.get();
    }

    public void awaitClose() throws InterruptedException {
        acceptor.join();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                open.add(s);
                Thread.ofVirtual().name("receiver-conn").start(() -> {
                    try (s) {
                        serve(s);
                    } catch (IOException | RuntimeException e) {
                        if (!server.isClosed()) {
                            System.err.println("receiver: connection from " + s.getRemoteSocketAddress()
                                    + " ended: " + IoErrors.describe(e));
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
        DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
        DataOutputStream out = new DataOutputStream(socket.getOutputStream());
        if (in.readInt() != Protocol.MAGIC) {
            throw new IOException("not a memkit backup stream");
        }
        Codec codec = Codec.forId(in.readByte());
        byte[] packed = new byte[0];
        byte[] raw = new byte[0];
        while (true) {
            byte type = in.readByte();
            if (type == Protocol.BYE) {
                return;
            }
            if (type != Protocol.FILE) {
                throw new IOException("protocol error: expected a file header, got " + type);
            }
            int nameLen = in.readUnsignedShort();
            if (nameLen > Protocol.MAX_PATH_BYTES) {
                throw new IOException("protocol error: path of " + nameLen + " bytes");
            }
            String name = new String(in.readNBytes(nameLen), StandardCharsets.UTF_8);
            long size = in.readLong();
            FileSink sink = null;
            String refusal = null;
            try {
                sink = new FileSink(SafePaths.resolve(outDir, name));
            } catch (IOException e) {
                refusal = e.getMessage();
            }
            MessageDigest sha = Sender.sha256();
            long received = 0;
            try {
                while ((type = in.readByte()) == Protocol.CHUNK) {
                    int rawLen = in.readInt();
                    int packedLen = in.readInt();
                    int crcRaw = in.readInt();
                    int crcPacked = in.readInt();
                    if (rawLen < 0 || rawLen > Protocol.MAX_ACCEPTED_CHUNK || packedLen < 0
                            || packedLen > Protocol.MAX_ACCEPTED_CHUNK + (1 << 20)) {
                        throw new IOException("protocol error: chunk lengths " + rawLen + "/" + packedLen);
                    }
                    if (packed.length < packedLen) {
                        packed = new byte[packedLen];
                    }
                    if (raw.length < rawLen) {
                        raw = new byte[rawLen];
                    }
                    in.readFully(packed, 0, packedLen);
                    if (refusal != null) {
                        continue;
                    }
                    if (crc(packed, packedLen) != crcPacked) {
                        refusal = "chunk at offset " + received + " is corrupt (packed checksum mismatch)";
                        continue;
                    }
                    try {
                        codec.decompress(packed, packedLen, raw, rawLen);
                    } catch (Codec.CorruptDataException e) {
                        refusal = "chunk at offset " + received + ": " + e.getMessage();
                        continue;
                    }
                    if (crc(raw, rawLen) != crcRaw) {
                        refusal = "chunk at offset " + received + " is corrupt (data checksum mismatch)";
                        continue;
                    }
                    sha.update(raw, 0, rawLen);
                    received += rawLen;
                    try {
                        sink.write(raw, rawLen);
                    } catch (IOException e) {
                        refusal = "write failed: " + IoErrors.describe(e);
                    }
                }
                if (type != Protocol.END) {
                    throw new IOException("protocol error: expected end of file, got " + type);
                }
                byte[] digest = in.readNBytes(32);
                if (refusal == null && received != size) {
                    refusal = "received " + received + " bytes, expected " + size;
                }
                if (refusal == null && !Arrays.equals(digest, sha.digest())) {
                    refusal = "SHA-256 mismatch";
                }
                if (refusal == null) {
                    try {
                        sink.commit();
                    } catch (IOException e) {
                        refusal = "write failed: " + IoErrors.describe(e);
                    }
                }
            } finally {
                if (sink != null && refusal != null) {
                    sink.abort();
                } else if (sink != null && refusal == null && !sink.committed) {
                    sink.abort(); // the stream broke mid-file
                }
            }
            if (refusal == null) {
                filesWritten.incrementAndGet();
            } else {
                filesRefused.incrementAndGet();
            }
            byte[] msg = (refusal == null ? "ok" : refusal).getBytes(StandardCharsets.UTF_8);
            out.writeByte(refusal == null ? Protocol.OK : Protocol.REFUSED);
            out.writeShort(Math.min(msg.length, 60_000));
            out.write(msg, 0, Math.min(msg.length, 60_000));
            out.flush();
        }
    }

    private static int crc(byte[] b, int len) {
        CRC32C c = new CRC32C();
        c.update(b, 0, len);
        return (int) c.getValue();
    }

    /** A file being received: written under a temporary name, moved into place on commit. */
    private static final class FileSink {
        private final Path target;
        private final Path temp;
        private final FileChannel channel;
        boolean committed;

        FileSink(Path target) throws IOException {
            this.target = target;
            Files.createDirectories(target.getParent());
            this.temp = target.resolveSibling("." + target.getFileName() + ".memkit-partial-"
                    + Long.toHexString(ThreadLocalRandom.current().nextLong()));
            this.channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS);
        }

        void write(byte[] data, int len) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(data, 0, len);
            while (b.hasRemaining()) {
                channel.write(b);
            }
        }

        void commit() throws IOException {
            channel.force(false);
            channel.close();
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            committed = true;
        }

        void abort() {
            try {
                channel.close();
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // best effort: the partial file has a name that says so
            }
        }
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
