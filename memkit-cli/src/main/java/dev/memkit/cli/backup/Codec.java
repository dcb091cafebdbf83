package dev.memkit.cli.backup;

import com.github.luben.zstd.Zstd;

import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * Chunk compression. Both codecs work on direct and heap buffers; each call compresses one whole chunk.
 * Instances are not thread-safe (the Deflater one keeps its zlib stream); use one per thread.
 */
public abstract sealed class Codec permits Codec.ZstdCodec, Codec.DeflateCodec {
    /** Wire id. */
    public abstract byte id();

    public abstract String name();

    /** Upper bound on the compressed size of {@code rawLength} bytes. */
    public abstract int maxCompressedLength(int rawLength);

    /** Compresses src[position, limit) into dst from position 0; returns the compressed length. */
    public abstract int compress(ByteBuffer src, ByteBuffer dst);

    /** Decompresses exactly {@code rawLength} bytes; throws {@link CorruptDataException} on bad input. */
    public abstract void decompress(byte[] src, int srcLength, byte[] dst, int rawLength);

    public static Codec create(String name, int level) {
        return switch (name) {
            case "zstd" -> new ZstdCodec(level);
            case "deflate" -> new DeflateCodec(level);
            default -> throw new IllegalArgumentException("unknown codec '" + name + "' (use zstd or deflate)");
        };
    }

    public static Codec forId(byte id) {
        return switch (id) {
            case 1 -> new ZstdCodec(1);
            case 2 -> new DeflateCodec(1);
            default -> throw new CorruptDataException("unknown codec id " + id);
        };
    }

    /** Input that does not decompress to what its header promised. */
    public static final class CorruptDataException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public CorruptDataException(String message) {
            super(message);
        }
    }

    static final class ZstdCodec extends Codec {
        private final int level;

        ZstdCodec(int level) {
            this.level = level;
        }

        @Override
        public byte id() {
            return 1;
        }

        @Override
        public String name() {
            return "zstd";
        }

        @Override
        public int maxCompressedLength(int rawLength) {
            return Math.toIntExact(Zstd.compressBound(rawLength));
        }

        @Override
        public int compress(ByteBuffer src, ByteBuffer dst) {
            int n = src.remaining();
            long r;
            if (src.isDirect() && dst.isDirect()) {
                r = Zstd.compressDirectByteBuffer(dst, 0, dst.capacity(), src, src.position(), n, level);
            } else {
                r = Zstd.compressByteArray(dst.array(), dst.arrayOffset(), dst.capacity(), src.array(),
                        src.arrayOffset() + src.position(), n, level);
            }
            if (Zstd.isError(r)) {
                throw new IllegalStateException("zstd: " + Zstd.getErrorName(r));
            }
            return (int) r;
        }

        @Override
        public void decompress(byte[] src, int srcLength, byte[] dst, int rawLength) {
            long r = Zstd.decompressByteArray(dst, 0, rawLength, src, 0, srcLength);
            if (Zstd.isError(r) || r != rawLength) {
                throw new CorruptDataException("zstd chunk does not decompress to " + rawLength + " bytes"
                        + (Zstd.isError(r) ? ": " + Zstd.getErrorName(r) : ""));
            }
        }
    }

    static final class DeflateCodec extends Codec {
        private final Deflater deflater;
        private final Inflater inflater = new Inflater(true);

        DeflateCodec(int level) {
            this.deflater = new Deflater(level, true);
        }

        @Override
        public byte id() {
            return 2;
        }

        @Override
        public String name() {
            return "deflate";
        }

        @Override
        public int maxCompressedLength(int rawLength) {
            return rawLength + (rawLength >> 12) + (rawLength >> 14) + (rawLength >> 25) + 64;
        }

        @Override
        public int compress(ByteBuffer src, ByteBuffer dst) {
            deflater.reset();
            deflater.setInput(src.duplicate());
            deflater.finish();
            ByteBuffer out = dst.duplicate().clear();
            while (!deflater.finished()) {
                if (deflater.deflate(out) == 0 && !out.hasRemaining()) {
                    throw new IllegalStateException("deflate output exceeded its bound");
                }
            }
            return out.position();
        }

        @Override
        public void decompress(byte[] src, int srcLength, byte[] dst, int rawLength) {
            inflater.reset();
            inflater.setInput(src, 0, srcLength);
            try {
                int n = 0;
                while (n < rawLength && !inflater.finished()) {
                    int k = inflater.inflate(dst, n, rawLength - n);
                    if (k == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                        break;
                    }
                    n += k;
                }
                if (n != rawLength || !inflater.finished()) {
                    throw new CorruptDataException("deflate chunk does not decompress to " + rawLength + " bytes");
                }
            } catch (DataFormatException e) {
                throw new CorruptDataException("deflate chunk is corrupt: " + e.getMessage());
            }
        }
    }
}
