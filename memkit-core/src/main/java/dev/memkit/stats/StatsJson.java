package dev.memkit.stats;

import dev.memkit.manager.MemoryManagerStats;
import dev.memkit.buffer.BufferPoolStats;
import dev.memkit.pool.BoundedPoolStats;
import dev.memkit.internal.JsonWriter;
import dev.memkit.pool.LocalPoolStats;

import java.util.List;

/**
 * The JSON forms of memkit's statistics ({@link MemoryStats#toJson()}, {@link MemoryMonitor#historyJson()}),
 * documented field by field in docs/DEBUG-ENDPOINT.md. Field names only ever get added, never renamed or removed, so dashboards keep
 * working. Stateless.
 */
final class StatsJson {
    private StatsJson() {}

    static String stats(MemoryStats s) {
        JsonWriter w = new JsonWriter();
        stats(w, s);
        return w.toString();
    }

    static void stats(JsonWriter w, MemoryStats s) {
        w.beginObject();
        w.field("time", s.time().toString()).field("timeMillis", s.time().toEpochMilli());
        w.name("heap").beginObject().field("usedBytes", s.heapUsedBytes())
                .field("committedBytes", s.heapCommittedBytes()).field("maxBytes", s.heapMaxBytes())
                .field("usedAfterGcBytes", s.heapUsedAfterGcBytes()).endObject();
        w.name("heapPools").beginArray();
        for (MemoryStats.Pool p : s.heapPools()) {
            w.beginObject().field("name", p.name()).field("heap", p.heap()).field("usedBytes", p.usedBytes())
                    .field("committedBytes", p.committedBytes()).field("maxBytes", p.maxBytes())
                    .field("usedAfterGcBytes", p.usedAfterGcBytes()).endObject();
        }
        w.endArray();
        w.name("gc").beginObject().name("collectors").beginArray();
        for (MemoryStats.Collector c : s.collectors()) {
            w.beginObject().field("name", c.name()).field("count", c.count()).field("timeMillis", c.timeMillis())
                    .endObject();
        }
        w.endArray();
        MemoryStats.Pauses p = s.pauses();
        w.name("pauses").beginObject().field("windowSeconds", p.windowSeconds()).field("count", p.count())
                .field("p50Millis", p.p50Millis()).field("p99Millis", p.p99Millis())
                .field("maxMillis", p.maxMillis()).field("totalMillis", p.totalMillis()).endObject();
        w.endObject();
        w.name("allocation").beginObject().field("allocatedBytes", s.allocatedBytes())
                .field("rateBytesPerSecond", s.allocationRateBytesPerSecond()).endObject();
        w.name("nio").beginArray();
        for (MemoryStats.NioPool n : s.nioPools()) {
            w.beginObject().field("name", n.name()).field("count", n.count()).field("usedBytes", n.usedBytes())
                    .field("capacityBytes", n.capacityBytes()).endObject();
        }
        w.endArray();
        w.name("process").beginObject().field("rssBytes", s.rssBytes()).field("virtualBytes", s.virtualBytes())
                .field("threads", s.threadCount()).field("daemonThreads", s.daemonThreadCount()).endObject();
        w.name("nmt").beginObject().field("reservedBytes", s.nmtReservedBytes())
                .field("committedBytes", s.nmtCommittedBytes()).endObject();
        w.name("budgets").beginArray();
        for (MemoryStats.Budget b : s.budgets()) {
            w.beginObject().field("path", b.path()).field("limitBytes", b.limitBytes())
                    .field("usedBytes", b.usedBytes()).field("refusals", b.refusals())
                    .field("critical", b.critical()).endObject();
        }
        w.endArray();
        w.name("memkit");
        if (s.memkit() == null) {
            w.value((String) null);
        } else {
            memkit(w, s.memkit());
        }
        w.endObject();
    }

    private static void memkit(JsonWriter w, MemoryManagerStats m) {
        w.beginObject().field("limitBytes", m.limitBytes()).field("usedBytes", m.usedBytes())
                .field("limitSource", m.limitSource()).field("pressure", m.pressure().name())
                .field("lastPressure", m.lastPressure()).field("breakerOpen", m.breakerOpen());
        w.name("bufferPools").beginArray();
        for (BufferPoolStats b : m.pools()) {
            w.beginObject().field("name", b.pool()).field("limitBytes", b.limitBytes())
                    .field("reservedBytes", b.reservedBytes()).field("leasedBytes", b.leasedBytes())
                    .field("leasedCount", b.leasedCount()).field("idleBytes", b.idleBytes())
                    .field("acquires", b.acquires()).field("hits", b.hits()).field("misses", b.misses())
                    .field("leaksDetected", b.leaksDetected())
                    .field("leaksQuarantined", b.leaksQuarantined())
                    .field("roundingWasteBytes", b.roundingWasteBytes()).endObject();
        }
        w.endArray();
        w.name("localPools").beginArray();
        for (LocalPoolStats l : m.localPools()) {
            w.beginObject().field("name", l.pool()).field("gets", l.gets()).field("hits", l.hits())
                    .field("misses", l.misses()).field("puts", l.puts()).field("dropped", l.dropped())
                    .field("idle", l.idle()).endObject();
        }
        w.endArray();
        w.name("boundedPools").beginArray();
        for (BoundedPoolStats b : m.boundedPools()) {
            w.beginObject().field("name", b.pool()).field("capacity", b.capacity()).field("leased", b.leased())
                    .field("idle", b.idle()).field("created", b.created()).field("destroyed", b.destroyed())
                    .field("waiters", b.waiters()).field("waits", b.waits()).field("waitNanos", b.waitNanos())
                    .field("timeouts", b.timeouts()).field("leaksDetected", b.leaksDetected()).endObject();
        }
        w.endArray();
        w.endObject();
    }

    /** The compact series the live page charts: one object per sample. */
    static String history(List<MemoryStats> samples) {
        JsonWriter w = new JsonWriter();
        w.beginArray();
        for (MemoryStats s : samples) {
            w.beginObject().field("timeMillis", s.time().toEpochMilli())
                    .field("heapUsedBytes", s.heapUsedBytes()).field("heapUsedAfterGcBytes", s.heapUsedAfterGcBytes())
                    .field("heapCommittedBytes", s.heapCommittedBytes()).field("heapMaxBytes", s.heapMaxBytes())
                    .field("rssBytes", s.rssBytes())
                    .field("nioBytes", s.nioUsedBytes()).field("memkitBytes", s.memkitReservedBytes())
                    .field("pauseCount", s.pauses().count()).field("pauseP99Millis", s.pauses().p99Millis())
                    .field("pauseMaxMillis", s.pauses().maxMillis())
                    .field("allocationRateBytesPerSecond", s.allocationRateBytesPerSecond()).endObject();
        }
        w.endArray();
        return w.toString();
    }
}
