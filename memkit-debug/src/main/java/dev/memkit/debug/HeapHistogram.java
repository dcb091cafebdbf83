package dev.memkit.debug;

import dev.memkit.internal.DiagnosticCommands;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A class histogram of the live heap: instances and bytes per class, largest first. {@link #capture()} runs the
 * {@code GC.class_histogram} diagnostic command (what {@code jmap -histo:live} does), which first runs a full
 * collection, so only live objects are counted; it pauses the application for the length of that GC.
 *
 * <p>The {@code pprof -base} workflow for leaks: capture a base, let the suspect workload run, capture again and
 * {@link #diff(HeapHistogram) diff} against the base: the classes that grew are at the top.
 *
 * @param time when it was captured
 * @param entries per class, largest by bytes first
 * @param totalInstances all live objects
 * @param totalBytes all live bytes
 * @since 0.1
 */
public record HeapHistogram(Instant time, List<Entry> entries, long totalInstances, long totalBytes) {
    private static final Pattern ROW = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");

    /** Copies the list so the histogram is immutable. */
    public HeapHistogram {
        entries = List.copyOf(entries);
    }

    /**
     * One class.
     *
     * @param className the class name as the JVM prints it ({@code [B} is {@code byte[]})
     * @param instances live instances
     * @param bytes their shallow size in bytes
     */
    public record Entry(String className, long instances, long bytes) {}

    /**
     * One class's growth between two histograms.
     *
     * @param className the class name
     * @param instancesDelta instances now minus instances in the base
     * @param bytesDelta bytes now minus bytes in the base
     * @param bytesNow bytes now
     */
    public record Delta(String className, long instancesDelta, long bytesDelta, long bytesNow) {}

    /**
     * Captures the live heap (runs a full GC first).
     *
     * @return the histogram
     * @throws UnsupportedOperationException on a JVM without the diagnostic command
     */
    public static HeapHistogram capture() {
        return parse(DiagnosticCommands.run("gcClassHistogram"), Instant.now());
    }

    /**
     * Parses the output of {@code GC.class_histogram} / {@code jmap -histo}.
     *
     * @param text the command's output
     * @param time when it was taken
     * @return the histogram
     */
    public static HeapHistogram parse(String text, Instant time) {
        List<Entry> entries = new ArrayList<>();
        long instances = 0;
        long bytes = 0;
        for (String line : text.split("\n")) {
            Matcher m = ROW.matcher(line);
            if (m.find()) {
                Entry e = new Entry(m.group(3), Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
                entries.add(e);
                instances += e.instances();
                bytes += e.bytes();
            }
        }
        entries.sort(Comparator.comparingLong(Entry::bytes).reversed());
        return new HeapHistogram(time, entries, instances, bytes);
    }

    /**
     * The classes that grew since {@code base}, by bytes, largest growth first. Classes that shrank or stayed the
     * same are left out.
     *
     * @param base the earlier histogram
     * @return the growth, largest first
     */
    public List<Delta> diff(HeapHistogram base) {
        Map<String, Entry> before = new HashMap<>();
        for (Entry e : base.entries()) {
            before.put(e.className(), e);
        }
        List<Delta> grew = new ArrayList<>();
        for (Entry now : entries) {
            Entry then = before.get(now.className());
            long db = now.bytes() - (then == null ? 0 : then.bytes());
            long di = now.instances() - (then == null ? 0 : then.instances());
            if (db > 0) {
                grew.add(new Delta(now.className(), di, db, now.bytes()));
            }
        }
        grew.sort(Comparator.comparingLong(Delta::bytesDelta).reversed());
        return grew;
    }

    /**
     * The largest {@code n} classes.
     *
     * @param n how many
     * @return up to {@code n} entries
     */
    public List<Entry> top(int n) {
        return entries.subList(0, Math.min(n, entries.size()));
    }
}
