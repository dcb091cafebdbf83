package dev.memkit.cli.backup;

/**
 * The backup wire format, one TCP connection per sender worker. All integers big-endian.
 *
 * <pre>
 * sender → receiver
 *   HELLO     +-------+-------+-------+-------+-------+
 *             | 'M' 'K' 'B' '1' magic (4)     | codec |
 *             +-------+-------+-------+-------+-------+
 *   FILE      +-------+---------------+=================+-------------------------------+
 *             | 'F'   | path len (2)  | path, UTF-8     | file size (8)                 |
 *             +-------+---------------+=================+-------------------------------+
 *   CHUNK     +-------+---------------+---------------+---------------+---------------+=========+
 *             | 'C'   | raw len (4)   | packed len (4)| CRC32C raw (4)| CRC32C pkd (4)| packed  |
 *             +-------+---------------+---------------+---------------+---------------+=========+
 *   END       +-------+-------------------------------+
 *             | 'E'   | SHA-256 of the file (32)      |
 *             +-------+-------------------------------+
 *   BYE       | 'B'   |
 *
 * receiver → sender, after each END
 *   VERDICT   +-------+---------------+=================+
 *             | 'K'/'X'| msg len (2)  | message, UTF-8  |     K = written, digest verified; X = refused
 *             +-------+---------------+=================+
 * </pre>
 *
 * A path is relative, '/'-separated, with no empty, "." or ".." segment. A file is only reported as backed up
 * after its 'K' verdict, which the receiver sends once the bytes are on disk under their final name.
 */
public final class Protocol {
    public static final int MAGIC = 0x4D4B4231; // "MKB1"
    public static final byte FILE = 'F';
    public static final byte CHUNK = 'C';
    public static final byte END = 'E';
    public static final byte BYE = 'B';
    public static final byte OK = 'K';
    public static final byte REFUSED = 'X';
    /** Largest raw chunk a sender produces. */
    public static final int MAX_CHUNK = 8 << 20;
    /** Largest chunk a receiver accepts (a bound on what a corrupt header can make it allocate). */
    public static final int MAX_ACCEPTED_CHUNK = 64 << 20;
    public static final int CHUNK_HEADER_BYTES = 1 + 4 * 4;
    public static final int MAX_PATH_BYTES = 4096;

    private Protocol() {}
}
