package dev.memkit.internal;

/**
 * A minimal streaming JSON writer (memkit has no dependencies). Callers nest {@code begin}/{@code end} calls
 * correctly; commas and escaping are handled here. Non-finite doubles become {@code null}, since JSON has no NaN.
 * Not thread-safe: one writer per document.
 */
public final class JsonWriter {
    private final StringBuilder out = new StringBuilder(256);
    /** Whether the current container already has an element (needs a comma before the next). */
    private long hasElement;
    private int depth;
    private boolean afterName;

    /** Creates an empty document. */
    public JsonWriter() {
    }

    private void beforeValue() {
        if (afterName) {
            afterName = false;
            return;
        }
        if ((hasElement & (1L << depth)) != 0) {
            out.append(',');
        }
        hasElement |= 1L << depth;
    }

    /**
     * Opens an object.
     *
     * @return this writer
     */
    public JsonWriter beginObject() {
        beforeValue();
        out.append('{');
        depth++;
        hasElement &= ~(1L << depth);
        return this;
    }

    /**
     * Closes an object.
     *
     * @return this writer
     */
    public JsonWriter endObject() {
        depth--;
        out.append('}');
        return this;
    }

    /**
     * Opens an array.
     *
     * @return this writer
     */
    public JsonWriter beginArray() {
        beforeValue();
        out.append('[');
        depth++;
        hasElement &= ~(1L << depth);
        return this;
    }

    /**
     * Closes an array.
     *
     * @return this writer
     */
    public JsonWriter endArray() {
        depth--;
        out.append(']');
        return this;
    }

    /**
     * Writes a member name; the next call writes its value.
     *
     * @param name the name
     * @return this writer
     */
    public JsonWriter name(String name) {
        beforeValue();
        string(name);
        out.append(':');
        afterName = true;
        return this;
    }

    /**
     * Writes a string value, or null.
     *
     * @param value the value
     * @return this writer
     */
    public JsonWriter value(String value) {
        beforeValue();
        if (value == null) {
            out.append("null");
        } else {
            string(value);
        }
        return this;
    }

    /**
     * Writes a number.
     *
     * @param value the value
     * @return this writer
     */
    public JsonWriter value(long value) {
        beforeValue();
        out.append(value);
        return this;
    }

    /**
     * Writes a number, or null when it is NaN or infinite.
     *
     * @param value the value
     * @return this writer
     */
    public JsonWriter value(double value) {
        beforeValue();
        if (Double.isFinite(value)) {
            out.append(value);
        } else {
            out.append("null");
        }
        return this;
    }

    /**
     * Writes a boolean.
     *
     * @param value the value
     * @return this writer
     */
    public JsonWriter value(boolean value) {
        beforeValue();
        out.append(value);
        return this;
    }

    /**
     * A name and a number.
     *
     * @param name the name
     * @param value the value
     * @return this writer
     */
    public JsonWriter field(String name, long value) {
        return name(name).value(value);
    }

    /**
     * A name and a number (null when not finite).
     *
     * @param name the name
     * @param value the value
     * @return this writer
     */
    public JsonWriter field(String name, double value) {
        return name(name).value(value);
    }

    /**
     * A name and a string.
     *
     * @param name the name
     * @param value the value, or null
     * @return this writer
     */
    public JsonWriter field(String name, String value) {
        return name(name).value(value);
    }

    /**
     * A name and a boolean.
     *
     * @param name the name
     * @param value the value
     * @return this writer
     */
    public JsonWriter field(String name, boolean value) {
        return name(name).value(value);
    }

    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '<' -> out.append("\\u003c"); // safe to embed in HTML
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
