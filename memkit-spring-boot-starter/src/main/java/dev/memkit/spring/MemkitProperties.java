package dev.memkit.spring;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

import java.util.Map;

/**
 * The {@code memkit.*} properties.
 *
 * <pre>
 * memkit.limit=2GB                  # the root budget; unset: -Dmemkit.limit, MEMKIT_LIMIT, the cgroup limit, or
 *                                   # machine memory minus the maximum heap
 * memkit.watch-gc=true              # pressure readings after every GC
 * memkit.pools.ingest.limit=512MB   # named buffer pools, each with its own budget under the root
 * </pre>
 *
 * @param limit the root budget's limit, or null to resolve it as {@code MemoryManager} does
 * @param watchGc whether pressure is read after every garbage collection (default true)
 * @param pools named buffer pools to create at startup, by name
 * @since 0.1
 */
@ConfigurationProperties(prefix = "memkit")
public record MemkitProperties(DataSize limit, @DefaultValue("true") boolean watchGc, Map<String, Pool> pools) {

    /** Validates what Spring bound; a bad value stops the application at startup with the property's name. */
    public MemkitProperties {
        if (limit != null && limit.toBytes() <= 0) {
            throw new IllegalArgumentException("memkit.limit must be positive: " + limit);
        }
        pools = pools == null ? Map.of() : Map.copyOf(pools);
        pools.forEach((name, pool) -> {
            if (pool == null || pool.limit() == null || pool.limit().toBytes() <= 0) {
                throw new IllegalArgumentException("memkit.pools." + name + ".limit must be set and positive");
            }
        });
    }

    /**
     * One named buffer pool.
     *
     * @param limit the pool's budget (the root's limit still applies)
     */
    public record Pool(DataSize limit) {}
}
