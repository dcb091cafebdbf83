package dev.memkit.stats;

import dev.memkit.ByteSize;
import dev.memkit.manager.MemoryManager;
import dev.memkit.manager.MemoryManagerStats;
import dev.memkit.buffer.BufferPoolStats;
import dev.memkit.pool.BoundedPoolStats;
import dev.memkit.pool.LocalPoolStats;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Registers a {@link MemoryManager} with the platform MBean server, so JConsole, VisualVM, JMX exporters and
 * {@code jcmd} see it beside the JVM's own beans.
 *
 * <pre>{@code
 * try (JmxExport jmx = JmxExport.register(memory, "ingest")) { ... }   // dev.memkit:type=MemoryManager,name=ingest
 * }</pre>
 *
 * <p>Ownership and thread-safety: the registration holds the manager; {@link #close()} unregisters it (closing the
 * manager does not). Thread-safe.
 *
 * @since 0.1
 */
public final class JmxExport implements AutoCloseable {
    private final MBeanServer server;
    private final ObjectName name;

    private JmxExport(MBeanServer server, ObjectName name) {
        this.server = server;
        this.name = name;
    }

    /**
     * Registers the manager's MXBean.
     *
     * @param manager the manager
     * @param name the bean's {@code name} key (quoted as needed)
     * @return the registration; close it to unregister
     * @throws IllegalStateException if a bean with that name is already registered
     */
    public static JmxExport register(MemoryManager manager, String name) {
        Objects.requireNonNull(manager, "manager");
        try {
            ObjectName on = new ObjectName("dev.memkit:type=MemoryManager,name=" + ObjectName.quote(name));
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            server.registerMBean(new StandardMBean(new Bean(manager), MemoryManagerMXBean.class, true), on);
            return new JmxExport(server, on);
        } catch (JMException e) {
            throw new IllegalStateException("cannot register memkit MBean '" + name + "': " + e.getMessage(), e);
        }
    }

    /**
     * The bean's name.
     *
     * @return the object name
     */
    public ObjectName objectName() {
        return name;
    }

    /** Unregisters the bean. Idempotent. */
    @Override
    public void close() {
        try {
            if (server.isRegistered(name)) {
                server.unregisterMBean(name);
            }
        } catch (JMException e) {
            throw new IllegalStateException("cannot unregister " + name + ": " + e.getMessage(), e);
        }
    }

    /** The bean: every attribute reads the manager's current statistics. */
    private record Bean(MemoryManager manager) implements MemoryManagerMXBean {
        @Override
        public long getLimitBytes() {
            return manager.budget().limit();
        }

        @Override
        public long getUsedBytes() {
            return manager.budget().used();
        }

        @Override
        public String getLimitSource() {
            return manager.limitSource();
        }

        @Override
        public String getPressureLevel() {
            return manager.pressure().level().name();
        }

        @Override
        public double getLastPressure() {
            return manager.pressure().lastPressure();
        }

        @Override
        public boolean isBreakerOpen() {
            return manager.budget().breakerOpen();
        }

        @Override
        public String[] getBudgets() {
            List<String> out = new ArrayList<>();
            for (MemoryStats.Budget b : MemoryStatsCollector.budgetsOf(manager.budget())) {
                out.add(b.path() + ": " + ByteSize.format(b.usedBytes()) + " of " + ByteSize.format(b.limitBytes())
                        + ", " + b.refusals() + " refusals");
            }
            return out.toArray(String[]::new);
        }

        @Override
        public String[] getPools() {
            MemoryManagerStats s = manager.stats();
            List<String> out = new ArrayList<>();
            for (BufferPoolStats p : s.pools()) {
                out.add("buffers " + p.pool() + ": " + ByteSize.format(p.leasedBytes()) + " leased, "
                        + ByteSize.format(p.idleBytes()) + " idle, " + ByteSize.format(p.reservedBytes())
                        + " reserved of " + ByteSize.format(p.limitBytes()));
            }
            for (LocalPoolStats p : s.localPools()) {
                out.add("local " + p.pool() + ": " + p.gets() + " gets, " + p.hits() + " hits, " + p.idle()
                        + " idle, " + p.dropped() + " dropped");
            }
            for (BoundedPoolStats p : s.boundedPools()) {
                out.add("bounded " + p.pool() + ": " + p.leased() + "/" + p.capacity() + " leased, " + p.idle()
                        + " idle, " + p.waiters() + " waiting");
            }
            return out.toArray(String[]::new);
        }

        @Override
        public long getLeaksDetected() {
            MemoryManagerStats s = manager.stats();
            return s.pools().stream().mapToLong(BufferPoolStats::leaksDetected).sum()
                    + s.boundedPools().stream().mapToLong(BoundedPoolStats::leaksDetected).sum();
        }

        @Override
        public String statsJson() {
            try (MemoryStatsCollector c = MemoryStatsCollector.builder().manager(manager).build()) {
                return c.snapshot().toJson();
            }
        }
    }
}
