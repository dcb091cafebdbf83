package dev.memkit.spring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memkit.buffer.Buffer;
import dev.memkit.manager.MemoryManager;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real Spring Boot application with the starter on its class path, started on a random port: the endpoint and
 * the health are fetched over HTTP, the meters read back from the application's registry.
 */
@SpringBootTest(classes = MemkitStarterTest.App.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"memkit.limit=256MB", "memkit.pools.ingest.limit=64MB", "memkit.watch-gc=false",
            "management.endpoints.web.exposure.include=health,memkit",
            "management.endpoint.health.show-details=always"})
class MemkitStarterTest {
    @SpringBootApplication
    static class App {
    }

    @LocalServerPort
    int port;

    @Autowired
    MemoryManager manager;

    @Autowired
    MemkitPools pools;

    @Autowired
    MeterRegistry registry;

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    private JsonNode get(String path, int expectedStatus) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(expectedStatus, r.statusCode(), path + ": " + r.body());
        return json.readTree(r.body());
    }

    @Test
    void theManagerIsConfiguredFromProperties() {
        assertEquals(256L << 20, manager.budget().limit());
        assertEquals(64L << 20, pools.get("ingest").limitBytes());
    }

    @Test
    void theEndpointServesTheSnapshotOverHttp() throws Exception {
        try (Buffer b = pools.get("ingest").acquire(1 << 20)) {
            JsonNode stats = get("/actuator/memkit", 200);
            assertTrue(stats.get("heap").get("usedBytes").asLong() > 0, stats.toString());
            assertTrue(stats.get("process").get("rssBytes").asLong() > 0);
            assertTrue(stats.get("gc").get("pauses").has("p99Millis"));
            JsonNode memkit = stats.get("memkit");
            assertEquals(256L << 20, memkit.get("limitBytes").asLong());
            boolean ingestSeen = false;
            for (JsonNode pool : memkit.get("bufferPools")) {
                if (pool.get("name").asText().equals("ingest")) {
                    ingestSeen = true;
                    assertEquals(1L << 20, pool.get("leasedBytes").asLong());
                }
            }
            assertTrue(ingestSeen, memkit.toString());
            assertTrue(b.size() > 0);
        }
    }

    @Test
    void healthFollowsThePressure() throws Exception {
        JsonNode health = get("/actuator/health", 200);
        JsonNode memkit = health.get("components").get("memkit");
        assertEquals("UP", memkit.get("status").asText(), health.toString());
        assertEquals("NORMAL", memkit.get("details").get("pressure").asText());
        assertEquals(256L << 20, memkit.get("details").get("limitBytes").asLong());
    }

    @Test
    void criticalPressureTakesTheInstanceOutOfService() throws Exception {
        manager.pressure().submit(0.99, 0.99);               // a reading at CRITICAL (no GC readings here)
        try {
            JsonNode health = get("/actuator/health", 503);
            JsonNode memkit = health.get("components").get("memkit");
            assertEquals("OUT_OF_SERVICE", memkit.get("status").asText(), health.toString());
            assertEquals("CRITICAL", memkit.get("details").get("pressure").asText());
            assertEquals(true, memkit.get("details").get("breakerOpen").asBoolean());
        } finally {
            manager.pressure().submit(0, 0);                 // back to NORMAL for the other tests
        }
        assertEquals("UP", get("/actuator/health", 200).get("components").get("memkit").get("status").asText());
    }

    @Test
    void metersAreInTheApplicationsRegistry() throws Exception {
        try (Buffer b = pools.get("ingest").acquire(4096)) {
            Thread.sleep(600);                               // past the binder's snapshot cache
            assertEquals(4096.0, registry.get("memkit.buffer.pool.leased").tag("pool", "ingest").gauge().value());
            assertEquals(256.0 * (1 << 20),
                    registry.get("memkit.budget.limit").tag("budget", "memkit").gauge().value());
            assertTrue(registry.get("memkit.process.rss").gauge().value() > 0);
            assertTrue(b.size() == 4096);
        }
    }
}
