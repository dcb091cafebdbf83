package dev.memkit.cli.backup;

/**
 * The backup wire format: one TCP connection per backup, streamed with no per-file round trip. Integers are
 * big-endian.
 *
 * <pre>
 * sender → receiver
 *   HELLO   +-------+-------+-------+-------+-------+
 *           | 'M' 'K' 'B' '2' magic (4)     | codec |
 *           +-------+-------+-------+-------+-------+
 *   BLOCK   +-------+---------------+---------------+---------------+---------------+=========+
 *           | 'D'   | raw len (4)   | packed len (4)| CRC32C raw (4)| CRC32C pkd (4)| packed  |
 *           +-------+---------------+---------------+---------------+---------------+=========+
 *   END     +-------+-------------------------------+-------------------------------+
 *           | 'E'   | entries sent (8)              | file bytes sent (8)           |
 *           +-------+-------------------------------+-------------------------------+
 *
 * receiver → sender, once, after END and after everything written is on disk
 *   VERDICT +-------+-------------------------------+---------------+=================+
 *           | 'K'/'X'| entries written (8)          | msg len (4)   | message, UTF-8  |
 *           +-------+-------------------------------+---------------+=================+
 * </pre>
 *
 * The blocks' raw bytes, concatenated, are a stream of records; a record may span blocks, and many small files
 * share one block. Names and link targets are raw bytes (any bytes but NUL), names relative with '/'
 * separators:
 *
 * <pre>
 *   'D' dir      name len (4) | name | mode (4) | mtime ns (8)
 *   'F' file     name len (4) | name | mode (4) | mtime ns (8) | size (8) | size data bytes | status (1)
 *   'L' symlink  name len (4) | name | target len (4) | target
 *   'H' hardlink name len (4) | name | target name len (4) | target name
 * </pre>
 *
 * A file's mode carries {@link #LINKED} when the file has several names, so the receiver remembers only those
 * for the hard links that follow. A file's status is 0 when its bytes are the file as it was listed; anything else means it changed or failed
 * while being read, and the receiver discards it (the sender reports it). A directory comes before its contents,
 * a hard link after the file it joins. 'K' means every entry sent was written and is on disk.
 */
public final class Protocol {
    public static final int MAGIC = 0x4D4B4232; // "MKB2"
    public static final byte BLOCK = 'D';
    public static final byte END = 'E';
    public static final byte OK = 'K';
    public static final byte REFUSED = 'X';
    /** Raw bytes a sender puts in one block. */
    public static final int BLOCK_BYTES = 1 << 20;
    /** Largest raw block a receiver accepts (a bound on what a hostile header can make it allocate). */
    public static final int MAX_ACCEPTED_BLOCK = 4 << 20;
    public static final int BLOCK_HEADER_BYTES = 1 + 4 * 4;
    /** Set in a file record's mode when the file has other names (hard links may follow that name it). */
    public static final int LINKED = 1 << 16;
    /** Longest name or link target, as Linux's PATH_MAX. */
    public static final int MAX_NAME_BYTES = 4096;

    private Protocol() {}
}
