package dev.memkit.debug;

import dev.memkit.stats.MemoryMonitor;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DebugEndpointTest {
    private static final String TOKEN = "0123456789abcdef-secret";
    private final ObjectMapper json = new ObjectMapper();
    private final AtomicInteger histogramCalls = new AtomicInteger();
    private MemoryMonitor monitor;
    private DebugEndpoint endpoint;

    /** Fake histograms, so these tests do not run full GCs: each call "finds" more Leaky objects. */
    private HeapHistogram fakeHistogram() {
        int n = histogramCalls.incrementAndGet();
        return new HeapHistogram(Instant.now(), List.of(new HeapHistogram.Entry("com.example.Leaky", n * 100L,
                n * 4000L), new HeapHistogram.Entry("[B", 10, 1000)), n * 100L + 10, n * 4000L + 1000);
    }

    @BeforeEach
    void start() throws Exception {
        monitor = MemoryMonitor.builder().interval(Duration.ofMillis(20)).start();
        endpoint = DebugEndpoint.builder(monitor).token(TOKEN).histograms(this::fakeHistogram).start();
        while (monitor.latest() == null) {
            Thread.sleep(5);
        }
    }

    @AfterEach
    void stop() {
        endpoint.close();
        monitor.close();
    }

    /** A response: status, content type and body. */
    record Response(int statusCode, String contentType, byte[] bytes) {
        String body() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    static Response request(URI uri, String method, String token) throws Exception {
        HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
        c.setRequestMethod(method);
        if (token != null) {
            c.setRequestProperty("Authorization", "Bearer " + token);
        }
        int status = c.getResponseCode();
        try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
            return new Response(status, c.getContentType(), in == null ? new byte[0] : in.readAllBytes());
        } finally {
            c.disconnect();
        }
    }

    private Response get(String route, String token) throws Exception {
        return request(URI.create(endpoint.uri() + route), "GET", token);
    }

    private Response post(String route) throws Exception {
        return request(URI.create(endpoint.uri() + route), "POST", TOKEN);
    }

    @Test
    void dataNeedsTheRightToken() throws Exception {
        assertEquals(401, get("/stats", null).statusCode());
        assertEquals(401, get("/stats", "wrong-token-wrong-token").statusCode());
        assertEquals(401, get("/history", null).statusCode());
        assertEquals(401, get("/histogram", "x").statusCode());
        Response ok = get("/stats", TOKEN);
        assertEquals(200, ok.statusCode());
        assertEquals("application/json", ok.contentType());
        JsonNode stats = json.readTree(ok.body());
        // MemoryStats.toJson(), whose every documented field memkit-core's MemoryStatsTest checks
        for (String field : List.of("/time", "/heap/usedBytes", "/gc/pauses/p99Millis", "/allocation/allocatedBytes",
                "/process/rssBytes", "/nmt/committedBytes", "/budgets")) {
            assertTrue(!stats.at(field).isMissingNode(), "missing " + field);
        }
    }

    @Test
    void thePageIsAStaticShellServedWithoutData() throws Exception {
        Response page = get("", null);
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("<div id=\"heap-chart\"") && page.body().contains("memkitCharts"));
        assertTrue(!page.body().matches("(?s).*(src|href)=\"?(https?:)?//.*"), "no CDN, nothing loaded from elsewhere");
        assertTrue(!page.body().contains("<!--memkit-charts-->"), "the chart helper is inline");
    }

    @Test
    void historyHistogramAndDiff() throws Exception {
        JsonNode history = json.readTree(get("/history", TOKEN).body());
        assertTrue(history.isArray() && history.size() >= 1);
        assertTrue(history.get(0).has("heapUsedBytes") && history.get(0).has("pauseP99Millis"));
        assertEquals(409, get("/histogram/diff", TOKEN).statusCode(), "no base yet");
        assertEquals(405, get("/histogram/base", TOKEN).statusCode(), "capturing a base is a POST");
        assertEquals(200, post("/histogram/base").statusCode());
        JsonNode diff = json.readTree(get("/histogram/diff", TOKEN).body());
        assertEquals("com.example.Leaky", diff.at("/grew/0/className").asText());
        assertEquals(4000, diff.at("/grew/0/bytesDelta").asLong());
        JsonNode h = json.readTree(get("/histogram", TOKEN).body());
        assertEquals("com.example.Leaky", h.at("/classes/0/className").asText());
    }

    @Test
    void badRequestsGetClearAnswers() throws Exception {
        assertEquals(404, get("/nope", TOKEN).statusCode());
        assertEquals(400, get("/profile?seconds=0", TOKEN).statusCode());
        assertEquals(400, get("/profile?seconds=abc", TOKEN).statusCode());
        Response dump = get("/heapdump", TOKEN);
        assertEquals(403, dump.statusCode());
        assertTrue(dump.body().contains("disabled"));
    }

    @Test
    void oneAllocationProfileRunsAtATime() throws Exception {
        java.util.function.Supplier<Response> profile = () -> {
            try {
                return get("/profile?seconds=2", TOKEN);     // long enough that the two overlap
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        try (var clients = java.util.concurrent.Executors.newFixedThreadPool(2)) {
            var a = java.util.concurrent.CompletableFuture.supplyAsync(profile, clients);
            var b = java.util.concurrent.CompletableFuture.supplyAsync(profile, clients);
            java.util.List<Integer> statuses = java.util.stream.Stream.of(a, b)
                    .map(f -> f.orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).join().statusCode()).sorted()
                    .toList();
            // Both run at once on the endpoint's two workers; exactly one may profile, the other is told to wait.
            assertEquals(java.util.List.of(200, 409), statuses);
        }
    }

    @Test
    void aJfrRecordingDownloadsAsAFileJmcOpens() throws Exception {
        assertEquals(400, get("/recording?seconds=0", TOKEN).statusCode());
        assertEquals(400, get("/recording?seconds=301", TOKEN).statusCode());
        assertEquals(401, get("/recording?seconds=1", null).statusCode());
        Response r = get("/recording?seconds=1", TOKEN);
        assertEquals(200, r.statusCode());
        assertEquals("application/octet-stream", r.contentType());
        assertTrue(r.bytes().length > 1000, "a recording of some size: " + r.bytes().length);
        assertEquals("FLR", new String(r.bytes(), 0, 3, StandardCharsets.US_ASCII), "JFR's magic number");
        java.nio.file.Path f = java.nio.file.Files.createTempFile("memkit", ".jfr");
        try {
            java.nio.file.Files.write(f, r.bytes());
            assertTrue(jdk.jfr.consumer.RecordingFile.readAllEvents(f).size() > 0, "JFR reads its events back");
        } finally {
            java.nio.file.Files.delete(f);
        }
    }

    @Test
    void aForeignHostHeaderIsRefused() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), endpoint.port())) {
            OutputStream out = s.getOutputStream();
            out.write(("GET /debug/memory/stats HTTP/1.1\r\nHost: evil.example:" + endpoint.port()
                    + "\r\nAuthorization: Bearer " + TOKEN + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String status = new String(in.readAllBytes(), StandardCharsets.US_ASCII).lines().findFirst().orElse("");
            assertTrue(status.contains(" 403 "), status);
        }
    }

    @Test
    void remoteAccessNeedsConfigurationAndAToken() throws Exception {
        InetAddress any = InetAddress.getByName("0.0.0.0");
        assertThrows(IllegalArgumentException.class, () -> DebugEndpoint.builder(monitor).bindAddress(any).start());
        assertThrows(IllegalArgumentException.class, () -> DebugEndpoint.builder(monitor).allowRemote(true).start());
        assertThrows(IllegalArgumentException.class, () -> DebugEndpoint.builder(monitor).token("short"));
    }

    @Test
    void heapDumpsDownloadWhenEnabled() throws Exception {
        try (DebugEndpoint dumps = DebugEndpoint.builder(monitor).token(TOKEN).heapDumps(true).start()) {
            Response r = request(URI.create(dumps.uri() + "/heapdump"), "GET", TOKEN);
            assertEquals(200, r.statusCode());
            assertTrue(new String(r.bytes(), 0, 12, StandardCharsets.US_ASCII).startsWith("JAVA PROFILE"));
        }
    }
}
