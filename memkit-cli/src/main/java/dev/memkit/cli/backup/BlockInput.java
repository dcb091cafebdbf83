package dev.memkit.cli.backup;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32C;

/**
 * The receiver's view of the record stream: reads {@link Protocol#BLOCK} frames from the connection, checks both
 * checksums, decompresses, and serves the raw bytes in order. Ends (-1) at the sender's {@link Protocol#END}, whose
 * counts it keeps. Any malformed or corrupt frame is an {@link IOException} naming it. Not thread-safe.
 */
final class BlockInput extends InputStream {
    private final DataInputStream wire;
    private final Codec codec;
    private byte[] packed = new byte[0];
    private byte[] raw = new byte[0];
    private int pos;
    private int limit;
    private boolean ended;
    private long blocks;
    long sentEntries = -1;
    long sentBytes = -1;

    BlockInput(DataInputStream wire, Codec codec) {
        this.wire = wire;
        this.codec = codec;
    }

    @Override
    public int read() throws IOException {
        if (pos == limit && !next()) {
            return -1;
        }
        return raw[pos++] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (pos == limit && !next()) {
            return -1;
        }
        int n = Math.min(len, limit - pos);
        System.arraycopy(raw, pos, b, off, n);
        pos += n;
        return n;
    }

    /** Whether the stream ended exactly at a record boundary (no bytes left over). */
    boolean atEnd() throws IOException {
        return pos == limit && !next();
    }

    private boolean next() throws IOException {
        while (!ended) {
            byte type;
            try {
                type = wire.readByte();
            } catch (EOFException e) {
                throw new EOFException("the sender closed the connection before the end of the backup");
            }
            if (type == Protocol.END) {
                sentEntries = wire.readLong();
                sentBytes = wire.readLong();
                ended = true;
                return false;
            }
            if (type != Protocol.BLOCK) {
                throw new IOException("protocol error: expected a block, got byte " + (type & 0xFF));
            }
            int rawLen = wire.readInt();
            int packedLen = wire.readInt();
            int crcRaw = wire.readInt();
            int crcPacked = wire.readInt();
            if (rawLen <= 0 || rawLen > Protocol.MAX_ACCEPTED_BLOCK || packedLen < 0
                    || packedLen > codec.maxCompressedLength(Protocol.MAX_ACCEPTED_BLOCK)) {
                throw new IOException("protocol error: block " + blocks + " claims " + rawLen + " raw / " + packedLen
                        + " packed bytes");
            }
            if (packed.length < packedLen) {
                packed = new byte[packedLen];
            }
            if (raw.length < rawLen) {
                raw = new byte[rawLen];
            }
            wire.readFully(packed, 0, packedLen);
            if (crc(packed, packedLen) != crcPacked) {
                throw new IOException("block " + blocks + " is corrupt (packed checksum mismatch)");
            }
            try {
                codec.decompress(packed, packedLen, raw, rawLen);
            } catch (Codec.CorruptDataException e) {
                throw new IOException("block " + blocks + " does not decompress: " + e.getMessage(), e);
            }
            if (crc(raw, rawLen) != crcRaw) {
                throw new IOException("block " + blocks + " is corrupt (data checksum mismatch)");
            }
            blocks++;
            pos = 0;
            limit = rawLen;
            return true;
        }
        return false;
    }

    private static int crc(byte[] b, int len) {
        CRC32C c = new CRC32C();
        c.update(b, 0, len);
        return (int) c.getValue();
    }
}
