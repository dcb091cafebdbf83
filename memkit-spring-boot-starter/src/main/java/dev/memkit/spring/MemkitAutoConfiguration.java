package dev.memkit.spring;

import dev.memkit.buffer.BufferPool;
import dev.memkit.manager.MemoryManager;
import dev.memkit.micrometer.MemkitMetrics;
import dev.memkit.stats.MemoryStatsCollector;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * memkit for Spring Boot: a {@link MemoryManager} from the {@code memkit.*} properties ({@link MemkitProperties})
 * and its named pools ({@link MemkitPools}); with Micrometer, its meters ({@link MemkitMetrics}, bound by Spring
 * Boot's own meter registry); with the actuator, the {@code memkit} endpoint ({@link MemkitEndpoint}) and the
 * {@code memkit} health indicator ({@link MemkitHealthIndicator}). Every bean backs off when the application
 * defines its own. The manager is closed with the application context.
 *
 * @since 0.1
 */
@AutoConfiguration
@ConditionalOnClass(MemoryManager.class)
@EnableConfigurationProperties(MemkitProperties.class)
public final class MemkitAutoConfiguration {

    /**
     * The manager.
     *
     * @param properties {@code memkit.*}
     * @return the application's manager
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public MemoryManager memoryManager(MemkitProperties properties) {
        MemoryManager.Builder b = MemoryManager.builder().watchGc(properties.watchGc());
        if (properties.limit() != null) {
            b.limitBytes(properties.limit().toBytes());
        }
        return b.build();
    }

    /**
     * The pools named under {@code memkit.pools.*}, each with a budget of its own under the root.
     *
     * @param manager the manager that owns them
     * @param properties {@code memkit.*}
     * @return the pools by name
     */
    @Bean
    @ConditionalOnMissingBean
    public MemkitPools memkitPools(MemoryManager manager, MemkitProperties properties) {
        Map<String, BufferPool> pools = new LinkedHashMap<>();
        properties.pools().forEach((name, pool) ->
                pools.put(name, manager.newBufferPool(name, pool.limit().toBytes(), b -> b)));
        return new MemkitPools(pools);
    }

    /** Meters, when Micrometer is present (Spring Boot binds every {@code MeterBinder} bean to its registry). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterRegistry.class)
    static final class Metrics {
        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        MemkitMetrics memkitMetrics(MemoryManager manager) {
            return new MemkitMetrics(manager);
        }
    }

    /** The endpoint and the health indicator, when the actuator is present. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({Endpoint.class, com.fasterxml.jackson.databind.ObjectMapper.class})
    static final class Actuator {
        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        @ConditionalOnAvailableEndpoint(endpoint = MemkitEndpoint.class)
        MemoryStatsCollector memkitStatsCollector(MemoryManager manager) {
            return MemoryStatsCollector.builder().manager(manager).nativeMemoryTracking(true).build();
        }

        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnAvailableEndpoint
        MemkitEndpoint memkitEndpoint(MemoryStatsCollector collector) {
            return new MemkitEndpoint(collector);
        }

        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnEnabledHealthIndicator("memkit")
        MemkitHealthIndicator memkitHealthIndicator(MemoryManager manager) {
            return new MemkitHealthIndicator(manager);
        }
    }
}
