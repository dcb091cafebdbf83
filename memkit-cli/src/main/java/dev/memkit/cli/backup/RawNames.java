package dev.memkit.cli.backup;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * File names as the bytes the file system stores, not as Java strings. Linux names are any bytes but '/' and NUL;
 * a name that is not valid UTF-8 has no exact {@code String} form, so a backup that went through strings would
 * restore {@code name-\xff} as {@code name-\xef\xbf\xbd}. The JDK keeps a path's bytes internally and shows them
 * only through {@link Path#toUri()} (percent-encoded), and builds a path from bytes only from a {@code file:} URI.
 * Both are used one name segment at a time, since a URI path is normalized ({@code a/../b} would become {@code b}).
 * Stateless.
 */
public final class RawNames {
    private static final Path ROOT = Path.of("/");

    private RawNames() {}

    /** The bytes of one name segment (a file name, no '/'). */
    public static byte[] segment(Path fileName) {
        String s = fileName.toString();
        if (s.indexOf('\uFFFD') < 0) {
            return s.getBytes(StandardCharsets.UTF_8); // decoded without loss: the bytes are its UTF-8 form
        }
        String raw = ROOT.resolve(fileName).toUri().getRawPath(); // "/seg", or "/seg/" when /seg is a directory
        int end = raw.endsWith("/") && raw.length() > 1 ? raw.length() - 1 : raw.length();
        return percentDecode(raw.substring(1, end));
    }

    /** The bytes of a whole path (a symbolic link's target): its segments joined by '/', absolute or not. */
    public static byte[] path(Path p) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (p.isAbsolute()) {
            out.write('/');
        }
        for (int i = 0; i < p.getNameCount(); i++) {
            if (i > 0) {
                out.write('/');
            }
            out.writeBytes(segment(p.getName(i)));
        }
        return out.toByteArray();
    }

    /** {@code base} with one more segment of the given bytes (no '/', no NUL, not "." or ".."). */
    public static Path resolve(Path base, byte[] segment) {
        return base.resolve(segmentPath(segment));
    }

    /** A path with exactly these bytes (a symbolic link's target: may be absolute, may hold "..", never NUL). */
    public static Path pathOf(byte[] bytes) {
        Path p = bytes.length > 0 && bytes[0] == '/' ? ROOT : null;
        int from = 0;
        for (int i = 0; i <= bytes.length; i++) {
            if (i == bytes.length || bytes[i] == '/') {
                if (i > from) {
                    Path seg = segmentPath(java.util.Arrays.copyOfRange(bytes, from, i));
                    p = p == null ? seg : p.resolve(seg);
                }
                from = i + 1;
            }
        }
        return p == null ? Path.of("") : p;
    }

    private static Path segmentPath(byte[] segment) {
        String text = strictUtf8(segment);
        if (text != null) {
            return Path.of(text);
        }
        StringBuilder uri = new StringBuilder("file:///");
        for (byte b : segment) {
            uri.append('%').append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return Path.of(URI.create(uri.toString())).getFileName();
    }

    /** The name as text for messages: exact when valid UTF-8, else with \xNN escapes. */
    public static String show(byte[] name) {
        String text = strictUtf8(name);
        if (text != null) {
            return text;
        }
        StringBuilder sb = new StringBuilder();
        for (byte b : name) {
            if (b >= 0x20 && b < 0x7F && b != '\\') {
                sb.append((char) b);
            } else {
                sb.append(String.format("\\x%02x", b & 0xFF));
            }
        }
        return sb.toString();
    }

    private static String strictUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static byte[] percentDecode(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()) {
                out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                out.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toByteArray();
    }
}
