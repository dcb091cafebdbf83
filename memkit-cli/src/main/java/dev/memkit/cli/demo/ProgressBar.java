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
        draw(totalBytes == 0 ? 1 : (double) bytes / totalBytes, files >= totalFiles, String.format(Locale.ROOT,
                "%,d/%,d entries  %s/%s", files, totalFiles, ByteSize.format(bytes), ByteSize.format(totalBytes)));
    }

    /** Progress counted in items of one kind ("entries"). */
    void updateCount(long done, long total, String unit) {
        draw(total == 0 ? 1 : (double) done / total, done >= total,
                String.format(Locale.ROOT, "%,d/%,d %s", done, total, unit));
    }

    private void draw(double frac, boolean complete, String detail) {
        int filled = (int) Math.round(frac * 30);
        String line = String.format(Locale.ROOT, "  %s [%s%s] %s", label, "#".repeat(filled), "-".repeat(30 - filled),
                detail);
        if (terminal) {
            long now = System.nanoTime();
            if (now - lastDraw < 100_000_000L && !complete) {
                return;
            }
            lastDraw = now;
            System.out.print("\r" + line);
            System.out.flush();
        } else if ((int) (frac * 4) > lastQuarter) {
            lastQuarter = (int) (frac * 4);
            System.out.println(line);
        }
    }

    void finish(String outcome) {
        if (terminal) {
            System.out.println("  " + outcome);
        } else {
            System.out.println("  " + label + " " + outcome);
        }
    }
}
