package dev.memkit.internal;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * memkit's JFR events: what a recording of a memkit application shows under the "memkit" category, beside the
 * JVM's own GC and allocation events. Each emitter checks {@code shouldCommit()} first, so with no recording (or
 * the event disabled) an emit costs a few nanoseconds on paths that are slow anyway (refusals, waits, leaks).
 * Stateless and thread-safe.
 *
 * <table>
 *   <caption>Events</caption>
 *   <tr><th>name</th><th>when</th></tr>
 *   <tr><td>dev.memkit.PoolExhausted</td><td>a buffer pool or object pool refused a request after its wait</td></tr>
 *   <tr><td>dev.memkit.PoolWait</td><td>an acquire waited for a release (a duration event)</td></tr>
 *   <tr><td>dev.memkit.BudgetRefused</td><td>a budget refused a reservation (limit, timeout or breaker)</td></tr>
 *   <tr><td>dev.memkit.PressureChanged</td><td>the pressure level changed</td></tr>
 *   <tr><td>dev.memkit.Leak</td><td>a buffer or lease became unreachable unreleased and was reclaimed</td></tr>
 *   <tr><td>dev.memkit.HugeAllocation</td><td>a buffer above the largest size class was allocated</td></tr>
 * </table>
 */
public final class MemkitEvents {
    private MemkitEvents() {}

    /** Emitted when a pool refuses a request. */
    @Name("dev.memkit.PoolExhausted")
    @Label("Pool Exhausted")
    @Category("memkit")
    @Description("A buffer pool or object pool refused a request after waiting")
    public static final class PoolExhausted extends Event {
        /** Creates an empty event; fields are set by the emitter. */
        public PoolExhausted() {
        }

        @Label("Pool")
        String pool;
        @Label("Kind")
        @Description("buffer or object")
        String kind;
        @Label("Requested")
        @Description("bytes for a buffer pool, objects for an object pool")
        long requested;
        @Label("Limit")
        long limit;
        @Label("In Use")
        long used;
    }

    /** A wait for a release. */
    @Name("dev.memkit.PoolWait")
    @Label("Pool Wait")
    @Category("memkit")
    @Description("An acquire waited for another thread to release")
    public static final class PoolWait extends Event {
        /** Creates an empty event; fields are set by the emitter. */
        public PoolWait() {
        }

        @Label("Pool")
        String pool;
        @Label("Kind")
        String kind;
        @Label("Served")
        boolean served;
    }

    /** Emitted when a budget refuses. */
    @Name("dev.memkit.BudgetRefused")
    @Label("Budget Refused")
    @Category("memkit")
    public static final class BudgetRefused extends Event {
        /** Creates an empty event; fields are set by the emitter. */
        public BudgetRefused() {
        }

        @Label("Budget")
        String budget;
        @Label("Requested")
        @DataAmount
        long requested;
        @Label("Used")
        @DataAmount
        long used;
        @Label("Limit")
        @DataAmount
        long limit;
        @Label("Reason")
        String reason;
    }

    /** Emitted on every pressure level change. */
    @Name("dev.memkit.PressureChanged")
    @Label("Pressure Changed")
    @Category("memkit")
    @StackTrace(false)
    public static final class PressureChanged extends Event {
        /** Creates an empty event; fields are set by the emitter. */
        public PressureChanged() {
        }

        @Label("From")
        String from;
        @Label("To")
        String to;
        @Label("Pressure")
        @Description("the reading that caused the change, a fraction")
        double pressure;
    }

    /** Emitted for every reclaimed leak. */
    @Name("dev.memkit.Leak")
    @Label("Leak")
    @Category("memkit")
    @StackTrace(false)
    public static final class Leak extends Event {
        /** Creates an empty event; fields are set by the emitter. */
        public Leak() {
        }

        @Label("Pool")
        String pool;
        @Label("What")
        @Description("the buffer size or the leased object's class")
        String what;
        @Label("Acquisition Site")
        String site;
    }

    /** Emitted when a buffer above the largest class is allocated. */
    @Name("dev.memkit.HugeAllocation")
    @Label("Huge Allocation")
    @Category("memkit")
    public static final class HugeAllocation extends Event {
        /** Creates an empty event; fields are set by the emitter. */
        public HugeAllocation() {
        }

        @Label("Pool")
        String pool;
        @Label("Size")
        @DataAmount
        long bytes;
    }

    /**
     * Emits {@link PoolExhausted}.
     *
     * @param pool the pool's name
     * @param kind "buffer" or "object"
     * @param requested bytes or objects
     * @param limit the pool's limit
     * @param used what it held
     */
    public static void poolExhausted(String pool, String kind, long requested, long limit, long used) {
        PoolExhausted e = new PoolExhausted();
        if (e.shouldCommit()) {
            e.pool = pool;
            e.kind = kind;
            e.requested = requested;
            e.limit = limit;
            e.used = used;
            e.commit();
        }
    }

    /**
     * Starts a {@link PoolWait}; pass the result to {@link #endWait}.
     *
     * @return the event, or null when not recording
     */
    public static PoolWait beginWait() {
        PoolWait e = new PoolWait();
        if (!e.isEnabled()) {
            return null;
        }
        e.begin();
        return e;
    }

    /**
     * Ends and commits a wait.
     *
     * @param e the event from {@link #beginWait}, or null
     * @param pool the pool's name
     * @param kind "buffer" or "object"
     * @param served whether the wait ended with the request served
     */
    public static void endWait(PoolWait e, String pool, String kind, boolean served) {
        if (e == null) {
            return;
        }
        e.end();
        if (e.shouldCommit()) {
            e.pool = pool;
            e.kind = kind;
            e.served = served;
            e.commit();
        }
    }

    /**
     * Emits {@link BudgetRefused}.
     *
     * @param budget the budget's path
     * @param requested bytes asked for
     * @param used bytes in use
     * @param limit the limit
     * @param reason why
     */
    public static void budgetRefused(String budget, long requested, long used, long limit, String reason) {
        BudgetRefused e = new BudgetRefused();
        if (e.shouldCommit()) {
            e.budget = budget;
            e.requested = requested;
            e.used = used;
            e.limit = limit;
            e.reason = reason;
            e.commit();
        }
    }

    /**
     * Emits {@link PressureChanged}.
     *
     * @param from the previous level
     * @param to the new level
     * @param pressure the reading
     */
    public static void pressureChanged(String from, String to, double pressure) {
        PressureChanged e = new PressureChanged();
        if (e.shouldCommit()) {
            e.from = from;
            e.to = to;
            e.pressure = pressure;
            e.commit();
        }
    }

    /**
     * Emits {@link Leak}.
     *
     * @param pool the pool's name
     * @param what what leaked
     * @param site the acquisition site, or null
     */
    public static void leak(String pool, String what, Throwable site) {
        Leak e = new Leak();
        if (e.shouldCommit()) {
            e.pool = pool;
            e.what = what;
            if (site != null) {
                StringBuilder sb = new StringBuilder();
                for (StackTraceElement f : site.getStackTrace()) {
                    if (sb.length() > 1000) {
                        break;
                    }
                    sb.append(f).append('\n');
                }
                e.site = sb.toString();
            }
            e.commit();
        }
    }

    /**
     * Emits {@link HugeAllocation}.
     *
     * @param pool the pool's name
     * @param bytes the size
     */
    public static void hugeAllocation(String pool, long bytes) {
        HugeAllocation e = new HugeAllocation();
        if (e.shouldCommit()) {
            e.pool = pool;
            e.bytes = bytes;
            e.commit();
        }
    }
}
