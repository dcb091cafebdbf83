package dev.memkit.budget;

import dev.memkit.internal.MemkitEvents;
import dev.memkit.internal.ProcessMemory;

import com.sun.management.GarbageCollectionNotificationInfo;
import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import dev.memkit.internal.MachineMemory;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * Classifies memory pressure as {@link PressureLevel NORMAL / ELEVATED / CRITICAL} and reacts to changes.
 *
 * <h2>Inputs</h2>
 * After every garbage collection (a {@code java.lang.management} GC notification) it reads the heap occupancy
 * after that GC as a fraction of the maximum heap, and the process RSS ({@code /proc/self/status}, where it
 * exists) as a fraction of the RSS limit (default: the machine's or container's memory). The pressure is the
 * larger of the two. Applications with signals of their own can feed readings with {@link #submit(double, double)}.
 *
 * <h2>Classification</h2>
 * A level is entered when the pressure reaches its threshold and left only when it falls below the threshold minus
 * the hysteresis, so a heap hovering at a threshold does not flap.
 *
 * <h2>Reactions</h2>
 * On every change the listeners run, in registration order, on the thread that delivered the reading (the JDK's
 * notification thread for GC readings); a listener that throws is logged and skipped. The budget given to the
 * builder has its circuit breaker opened at CRITICAL and closed below. With {@code steerSoftMaxHeap}, the monitor
 * lowers {@code SoftMaxHeapSize} to the elevated threshold at ELEVATED and above and restores it at NORMAL; only
 * collectors that honour the flag are steered (on JDK 25: ZGC and Shenandoah; G1 does not read it).
 *
 * <p>Thread-safe. {@link #close()} unsubscribes from GC notifications.
 *
 * @since 0.1
 */
public final class PressureMonitor implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PressureMonitor.class.getName());

    private final double elevated;
    private final double critical;
    private final double hysteresis;
    private final long rssLimit;
    private final MemoryBudget breakerBudget;
    private final boolean steerSoftMaxHeap;
    private final List<BiConsumer<PressureLevel, PressureLevel>> listeners = new CopyOnWriteArrayList<>();
    private final List<NotificationEmitter> subscribed = new ArrayList<>();
    private final NotificationListener gcListener = this::onGc;
    private final java.util.Set<String> heapPools = new java.util.HashSet<>();
    private PressureLevel level = PressureLevel.NORMAL; // guarded by this
    /** Held across a reading and its reaction (reentrant: a listener may submit). */
    private final java.util.concurrent.locks.ReentrantLock reactions = new java.util.concurrent.locks.ReentrantLock();
    private double lastPressure;                         // guarded by this
    private String originalSoftMax;

    private PressureMonitor(Builder b) {
        this.elevated = b.elevated;
        this.critical = b.critical;
        this.hysteresis = b.hysteresis;
        this.rssLimit = b.rssLimitBytes;
        this.breakerBudget = b.budget;
        this.steerSoftMaxHeap = b.steerSoftMaxHeap;
        this.listeners.addAll(b.listeners);
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                heapPools.add(p.getName());
            }
        }
    }

    /**
     * A builder: thresholds 0.75 / 0.90, hysteresis 0.05, RSS limit = machine or container memory.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts listening to GC notifications of this JVM.
     *
     * @return this monitor
     */
    public synchronized PressureMonitor start() {
        if (subscribed.isEmpty()) {
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                if (gc instanceof NotificationEmitter e) {
                    e.addNotificationListener(gcListener, null, null);
                    subscribed.add(e);
                }
            }
        }
        return this;
    }

    /**
     * Adds a listener called with (previous, current) on every level change. Listeners run on the thread that
     * submitted the reading, one change at a time and in order (a listener may submit a reading itself, but must
     * not wait for another thread that submits one).
     *
     * @param listener the listener
     */
    public void addListener(BiConsumer<PressureLevel, PressureLevel> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * The current level.
     *
     * @return the level
     */
    public synchronized PressureLevel level() {
        return level;
    }

    /**
     * The pressure of the last reading (the larger of its two fractions).
     *
     * @return a fraction, usually in [0, 1]
     */
    public synchronized double lastPressure() {
        return lastPressure;
    }

    /**
     * Feeds one reading and reacts if the level changes.
     *
     * @param heapAfterGcFraction heap used after the last GC divided by the maximum heap
     * @param rssFraction process RSS divided by the RSS limit (0 when unknown)
     * @return the level after this reading
     */
    public PressureLevel submit(double heapAfterGcFraction, double rssFraction) {
        // Readings are applied one at a time, each with its reaction, so reactions happen in the order of the
        // level changes: the breaker and the listeners always end at the current level. (Two racing readings
        // applied under the state lock but reacted to outside it could leave the breaker open at NORMAL.)
        reactions.lock();
        try {
            PressureLevel before;
            PressureLevel after;
            synchronized (this) {
                lastPressure = Math.max(heapAfterGcFraction, rssFraction);
                before = level;
                after = classify(before, lastPressure);
                level = after;
            }
            if (after != before) {
                react(before, after);
            }
            return after;
        } finally {
            reactions.unlock();
        }
    }

    private PressureLevel classify(PressureLevel current, double p) {
        if (p >= critical) {
            return PressureLevel.CRITICAL;
        }
        if (current == PressureLevel.CRITICAL && p >= critical - hysteresis) {
            return PressureLevel.CRITICAL;
        }
        if (p >= elevated) {
            return PressureLevel.ELEVATED;
        }
        if (current != PressureLevel.NORMAL && p >= elevated - hysteresis) {
            return PressureLevel.ELEVATED;
        }
        return PressureLevel.NORMAL;
    }

    private void react(PressureLevel before, PressureLevel after) {
        MemkitEvents.pressureChanged(before.name(), after.name(), lastPressure());
        LOG.log(System.Logger.Level.INFO, "memory pressure " + before + " -> " + after
                + String.format(java.util.Locale.ROOT, " (%.0f%%)", lastPressure() * 100));
        if (breakerBudget != null) {
            breakerBudget.setBreakerOpen(after == PressureLevel.CRITICAL);
        }
        if (steerSoftMaxHeap) {
            steerSoftMaxHeap(after);
        }
        for (BiConsumer<PressureLevel, PressureLevel> l : listeners) {
            try {
                l.accept(before, after);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "pressure listener failed", e);
            }
        }
    }

    private void onGc(Notification n, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
            return;
        }
        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
        long heapAfter = 0;
        for (var e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
            if (heapPools.contains(e.getKey())) { // the map also holds metaspace and code cache
                heapAfter += e.getValue().getUsed();
            }
        }
        long max = Runtime.getRuntime().maxMemory();
        submit(max <= 0 ? 0 : (double) heapAfter / max, rssFraction());
    }

    private double rssFraction() {
        long rss = ProcessMemory.rssBytes();
        return rss < 0 ? 0 : (double) rss / rssLimit; // not Linux: heap only
    }

    private void steerSoftMaxHeap(PressureLevel now) {
        if (!collectorHonoursSoftMaxHeap()) {
            return;
        }
        try {
            HotSpotDiagnosticMXBean hs = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            VMOption opt = hs.getVMOption("SoftMaxHeapSize");
            if (!opt.isWriteable()) {
                return;
            }
            synchronized (this) {
                if (originalSoftMax == null) {
                    originalSoftMax = opt.getValue();
                }
            }
            long target = now == PressureLevel.NORMAL ? Long.parseLong(originalSoftMax)
                    : (long) (Runtime.getRuntime().maxMemory() * elevated);
            hs.setVMOption("SoftMaxHeapSize", Long.toString(target));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "SoftMaxHeapSize not steerable", e);
        }
    }

    /**
     * Whether the running collector honours {@code SoftMaxHeapSize}.
     *
     * @return true under ZGC or Shenandoah
     */
    public static boolean collectorHonoursSoftMaxHeap() {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            String n = gc.getName();
            if (n.startsWith("ZGC") || n.startsWith("Shenandoah")) {
                return true;
            }
        }
        return false;
    }

    /** Stops listening to GC notifications. Idempotent. */
    @Override
    public synchronized void close() {
        for (NotificationEmitter e : subscribed) {
            try {
                e.removeNotificationListener(gcListener);
            } catch (ListenerNotFoundException ignored) {
                // already removed
            }
        }
        subscribed.clear();
    }

    /** Configuration of a {@link PressureMonitor}. Not thread-safe. */
    public static final class Builder {
        private double elevated = 0.75;
        private double critical = 0.90;
        private double hysteresis = 0.05;
        private long rssLimitBytes = MachineMemory.totalBytes();
        private MemoryBudget budget;
        private boolean steerSoftMaxHeap;
        private final List<BiConsumer<PressureLevel, PressureLevel>> listeners = new ArrayList<>();

        private Builder() {}

        /**
         * Thresholds as fractions of the maximum heap (and of the RSS limit).
         *
         * @param elevatedThreshold ELEVATED from here, in (0, 1]
         * @param criticalThreshold CRITICAL from here, in [elevated, 1]
         * @param hysteresisFraction how far below a threshold the pressure must fall to leave its level, in [0, elevated)
         * @return this builder
         */
        public Builder thresholds(double elevatedThreshold, double criticalThreshold, double hysteresisFraction) {
            if (!(elevatedThreshold > 0 && elevatedThreshold <= 1 && criticalThreshold >= elevatedThreshold
                    && criticalThreshold <= 1 && hysteresisFraction >= 0 && hysteresisFraction < elevatedThreshold)) {
                throw new IllegalArgumentException("need 0 < elevated <= critical <= 1 and 0 <= hysteresis < elevated;"
                        + " got " + elevatedThreshold + ", " + criticalThreshold + ", " + hysteresisFraction);
            }
            this.elevated = elevatedThreshold;
            this.critical = criticalThreshold;
            this.hysteresis = hysteresisFraction;
            return this;
        }

        /**
         * The RSS that counts as 100%.
         *
         * @param bytes positive
         * @return this builder
         */
        public Builder rssLimitBytes(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("rssLimitBytes must be positive: " + bytes);
            }
            this.rssLimitBytes = bytes;
            return this;
        }

        /**
         * The budget tree whose circuit breaker opens at CRITICAL.
         *
         * @param budget any budget of the tree
         * @return this builder
         */
        public Builder breaker(MemoryBudget budget) {
            this.budget = Objects.requireNonNull(budget, "budget");
            return this;
        }

        /**
         * Lower {@code SoftMaxHeapSize} under pressure where the collector honours it. Default off.
         *
         * @param enabled whether to steer
         * @return this builder
         */
        public Builder steerSoftMaxHeap(boolean enabled) {
            this.steerSoftMaxHeap = enabled;
            return this;
        }

        /**
         * Adds a listener called with (previous, current) on every level change.
         *
         * @param listener the listener
         * @return this builder
         */
        public Builder listener(BiConsumer<PressureLevel, PressureLevel> listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Builds the monitor; call {@link PressureMonitor#start()} to follow this JVM's GCs.
         *
         * @return the monitor
         */
        public PressureMonitor build() {
            return new PressureMonitor(this);
        }
    }
}
