package dev.memkit.spring;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memkit.stats.MemoryStatsCollector;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The actuator endpoint {@code memkit} ({@code /actuator/memkit} over HTTP): the same snapshot as memkit-debug's
 * {@code /debug/memory/stats} (heap, GC pauses, RSS, NMT, budgets, pools, pressure), on the application's own
 * port and behind its actuator security: no second port, no second token. Fields are described in memkit's
 * DEBUG-ENDPOINT.md. Thread-safe.
 *
 * @since 0.1
 */
@Endpoint(id = "memkit")
public final class MemkitEndpoint {
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

    private final MemoryStatsCollector collector;
    private final ObjectMapper json = new ObjectMapper();

    /**
     * An endpoint reading {@code collector}.
     *
     * @param collector the snapshots' source, bound to the application's {@code MemoryManager}
     */
    public MemkitEndpoint(MemoryStatsCollector collector) {
        this.collector = collector;
    }

    /**
     * A snapshot now.
     *
     * @return the snapshot as the JSON object {@code /debug/memory/stats} serves
     */
    @ReadOperation
    public Map<String, Object> snapshot() {
        try {
            return json.readValue(collector.snapshot().toJson(), MAP);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException("memkit wrote JSON Jackson cannot read", e);
        }
    }
}
