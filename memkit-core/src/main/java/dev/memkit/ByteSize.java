package dev.memkit;

import java.util.Locale;

/**
 * Parsing and printing of byte quantities ("16m", "1 GiB", "100k"), shared by every setting that takes a size.
 * Suffixes are binary (k = 1024) whatever their spelling, because memory is sized in pages, not in SI units.
 * Thread-safe: stateless.
 *
 * @since 0.1
 */
public final class ByteSize {
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    private ByteSize() {}

    /**
     * Parses a size such as {@code 4096}, {@code 16k}, {@code 1m}, {@code 2g}, {@code 1.5GiB}.
     *
     * @param setting the name of the setting, used in the error message
     * @param text the text to parse
     * @return the number of bytes, never negative
     * @throws IllegalArgumentException naming the setting when the text is not a size or overflows a long
     */
    public static long parse(String setting, String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(setting + ": empty size");
        }
        String s = text.trim().toLowerCase(Locale.ROOT).replace("_", "");
        int end = 0;
        while (end < s.length() && (Character.isDigit(s.charAt(end)) || s.charAt(end) == '.')) {
            end++;
        }
        String number = s.substring(0, end);
        String unit = s.substring(end).trim();
        int shift = switch (unit) {
            case "", "b" -> 0;
            case "k", "kb", "kib" -> 10;
            case "m", "mb", "mib" -> 20;
            case "g", "gb", "gib" -> 30;
            case "t", "tb", "tib" -> 40;
            default -> throw new IllegalArgumentException(
                    setting + ": '" + text + "' has unknown unit '" + unit + "' (use b, k, m, g or t)");
        };
        if (number.isEmpty()) {
            throw new IllegalArgumentException(setting + ": '" + text + "' is not a size (example: 512m)");
        }
        try {
            java.math.BigDecimal bytes = new java.math.BigDecimal(number).multiply(
                    java.math.BigDecimal.valueOf(1L << shift));
            if (bytes.compareTo(java.math.BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
                throw new IllegalArgumentException(setting + ": '" + text + "' is larger than 8 EiB");
            }
            return bytes.setScale(0, java.math.RoundingMode.CEILING).longValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException(setting + ": '" + text + "' is not a size (example: 512m)", e);
        }
    }

    /**
     * Formats a byte count for people: {@code 1536} becomes {@code "1.5 KiB"}.
     *
     * @param bytes a byte count; negative values are printed with a minus sign
     * @return the formatted text
     */
    public static String format(long bytes) {
        long abs = bytes == Long.MIN_VALUE ? Long.MAX_VALUE : Math.abs(bytes);
        int unit = 0;
        double value = abs;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        String sign = bytes < 0 ? "-" : "";
        if (unit == 0) {
            return sign + abs + " B";
        }
        String digits = value >= 100 || value == Math.rint(value)
                ? String.format(Locale.ROOT, "%.0f", value)
                : String.format(Locale.ROOT, "%.1f", value);
        return sign + digits + " " + UNITS[unit];
    }
}
