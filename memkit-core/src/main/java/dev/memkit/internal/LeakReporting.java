package dev.memkit.internal;

import dev.memkit.leak.LeakReport;

import java.util.function.Consumer;

/**
 * What every leak watcher shares (buffer pools, bounded object pools, dedicated allocations): the acquisition
 * site it records, and the delivery of a {@link LeakReport} (JFR event, then the pool's listener, whose failure is
 * logged and never propagates into the pool).
 *
 * <p>Thread-safe: stateless.
 */
public final class LeakReporting {
    private static final System.Logger LOG = System.getLogger("dev.memkit.leak");

    private LeakReporting() {
    }

    /**
     * The stack of the current thread, to keep as a lease's acquisition site (a few microseconds).
     *
     * @return a throwable whose stack trace is the site
     */
    public static Throwable site() {
        return new AcquisitionSite(Thread.currentThread().getName());
    }

    /**
     * Records the JFR event and hands the report to {@code listener}.
     *
     * @param listener the pool's leak listener
     * @param report the report
     */
    public static void deliver(Consumer<LeakReport> listener, LeakReport report) {
        MemkitEvents.leak(report.pool(), report.requestedBytes() > 0 ? report.requestedBytes() + " bytes"
                : report.type(), report.acquisitionSite());
        try {
            listener.accept(report);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "leak listener of pool '" + report.pool() + "' threw", e);
        }
    }

    /**
     * The default listener: a warning whose stack trace is the acquisition site.
     *
     * @param report the report
     */
    public static void log(LeakReport report) {
        LOG.log(System.Logger.Level.WARNING, report.toString(), report.acquisitionSite());
    }

    /** Marker exception carrying the stack of an acquisition. */
    static final class AcquisitionSite extends Throwable {
        private static final long serialVersionUID = 1L;

        AcquisitionSite(String thread) {
            super("lease acquired by thread '" + thread + "'", null, false, true);
        }
    }
}
