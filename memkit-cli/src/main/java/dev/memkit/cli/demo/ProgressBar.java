package dev.memkit.cli.demo;

import dev.memkit.ByteSize;

import java.util.Locale;

/** A one-line progress bar: redrawn in place on a terminal, printed at every quarter otherwise. */
final class ProgressBar {
    private final String label;
    private final boolean terminal = System.console() != null;
    private long lastDraw;
    private int lastQuarter = -1;

    ProgressBar(String label) {
        this.label = label;
    }

    void update(long files, long bytes, long totalFiles, long totalBytes) {
        double frac = totalBytes == 0 ? 1 : (double) bytes / totalBytes;
        if (terminal) {
            long now = System.nanoTime();
            if (now - lastDraw < 100_000_000L && files < totalFiles) {
                return;
            }
            lastDraw = now;
            System.out.print("\r" + line(frac, files, bytes, totalFiles, totalBytes));
            System.out.flush();
        } else if ((int) (frac * 4) > lastQuarter) {
            lastQuarter = (int) (frac * 4);
            System.out.println(line(frac, files, bytes, totalFiles, totalBytes));
        }
    }

    private String line(double frac, long files, long bytes, long totalFiles, long totalBytes) {
        int filled = (int) Math.round(frac * 30);
        return String.format(Locale.ROOT, "  %s [%s%s] %4d/%d files  %s/%s", label, "#".repeat(filled),
                "-".repeat(30 - filled), files, totalFiles, ByteSize.format(bytes), ByteSize.format(totalBytes));
    }

    void finish(String outcome) {
        if (terminal) {
            System.out.println("  " + outcome);
        } else {
            System.out.println("  " + label + " " + outcome);
        }
    }
}
