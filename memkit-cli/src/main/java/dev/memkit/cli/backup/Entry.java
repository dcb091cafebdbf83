package dev.memkit.cli.backup;

/**
 * One entry of a tree, as the sender found it and the receiver recreates it.
 *
 * @param kind what it is
 * @param name the path below the tree's root, as raw bytes, segments joined by '/'
 * @param mode the permission bits (including setuid, setgid and sticky; 0 for links), and for a file
 *        {@link Protocol#LINKED} when it has other names
 * @param mtimeNanos modification time, nanoseconds since the epoch (0 for links)
 * @param size a file's length in bytes (0 otherwise)
 * @param target a symbolic link's target, or the name of the file a hard link joins (null otherwise)
 */
public record Entry(Kind kind, byte[] name, int mode, long mtimeNanos, long size, byte[] target) {
    /** Kinds of entries, with their tag on the wire. */
    public enum Kind {
        FILE('F'), DIRECTORY('D'), SYMLINK('L'), HARDLINK('H');

        final byte tag;

        Kind(char tag) {
            this.tag = (byte) tag;
        }

        static Kind of(byte tag) {
            for (Kind k : values()) {
                if (k.tag == tag) {
                    return k;
                }
            }
            return null;
        }
    }

    /** The name as text, for messages. */
    public String shown() {
        return RawNames.show(name);
    }
}
