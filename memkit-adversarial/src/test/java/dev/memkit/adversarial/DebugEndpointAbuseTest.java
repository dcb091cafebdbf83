package dev.memkit.adversarial;

import dev.memkit.debug.DebugEndpoint;
import dev.memkit.stats.MemoryMonitor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The debug endpoint against slow, idle, tokenless and cross-site clients. */
class DebugEndpointAbuseTest {
    private static final String TOKEN = "adversarial-token-0123456789";
    private MemoryMonitor monitor;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() {
        monitor = MemoryMonitor.builder().interval(Duration.ofMillis(200)).start();
    }

    @AfterEach
    void stop() {
        monitor.close();
    }

    private HttpResponse<String> get(DebugEndpoint e, String route, String... headers) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(e.uri() + route)).timeout(Duration.ofSeconds(20));
        if (headers.length > 0) {
            r.headers(headers);
        }
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void clientsSendingPartialRequestsStarveNobody() throws Exception {
        try (DebugEndpoint e = DebugEndpoint.builder(monitor).token(TOKEN).start()) {
            List<Socket> slow = new ArrayList<>();
            try {
                for (int i = 0; i < 16; i++) {
                    Socket s = new Socket("127.0.0.1", e.port());
                    OutputStream out = s.getOutputStream();
                    out.write(i % 2 == 0 ? "G".getBytes(StandardCharsets.US_ASCII)
                            : "GET /debug/memory/stats HTTP/1.1\r\nHost: 127.0.0".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    slow.add(s);
                }
                for (int i = 0; i < 5; i++) { // answered while all sixteen hang on
                    HttpResponse<String> r = get(e, "/history", "Authorization", "Bearer " + TOKEN);
                    assertEquals(200, r.statusCode(), r.body());
                }
            } finally {
                for (Socket s : slow) {
                    s.close();
                }
            }
        }
    }

    @Test
    void aPartialRequestIsCutOffAtTheReadDeadline() throws Exception {
        try (DebugEndpoint e = DebugEndpoint.builder(monitor).token(TOKEN).start();
             Socket s = new Socket("127.0.0.1", e.port())) {
            s.getOutputStream().write("GET /debug/memory/stats HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            s.setSoTimeout(60_000); // far beyond the endpoint's deadline: the endpoint, not this, ends the wait
            InputStream in = s.getInputStream();
            int b;
            try {
                b = in.read();
            } catch (java.net.SocketException reset) {
                b = -1;
            }
            assertEquals(-1, b, "the server closed the connection");
        }
    }

    @Test
    void withoutAnExplicitTokenAGeneratedOneIsRequired() throws Exception {
        try (DebugEndpoint e = DebugEndpoint.builder(monitor).start()) {
            assertEquals(401, get(e, "/histogram").statusCode());
            assertEquals(401, http.send(HttpRequest.newBuilder(URI.create(e.uri() + "/histogram/base"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode());
            String page = e.pageUri().toString();
            assertTrue(page.contains("#token="), page);
            String token = page.substring(page.indexOf("#token=") + 7);
            assertEquals(200, get(e, "/history", "Authorization", "Bearer " + token).statusCode());
        }
    }

    @Test
    void crossSiteBrowserRequestsAreRefusedEvenWithoutAToken() throws Exception {
        try (DebugEndpoint e = DebugEndpoint.builder(monitor).withoutToken().start()) {
            assertEquals(200, get(e, "/history").statusCode());
            assertEquals(403, get(e, "/histogram", "Sec-Fetch-Site", "cross-site").statusCode());
            assertEquals(403, get(e, "/profile?seconds=1", "Origin", "https://evil.example").statusCode());
        }
    }
    @Test
    void malformedRequestsGetAnErrorOrAClosedConnectionAndTheEndpointKeepsServing() throws Exception {
        String[] garbage = {
                "\u0000\u0001\u0002 garbage\r\n\r\n",
                "GET\r\n\r\n",
                "BREW /debug/memory/stats HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                "GET /debug/memory/stats HTTP/1.1\r\nHost: 127.0.0.1\r\nX: " + "a".repeat(200_000) + "\r\n\r\n",
                "GET /debug/memory/profile?seconds=99999999999 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                        + TOKEN + "\r\n\r\n",
                "GET /debug/memory/" + "../".repeat(50) + "etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        };
        try (DebugEndpoint e = DebugEndpoint.builder(monitor).token(TOKEN).start()) {
            for (String g : garbage) {
                try (Socket s = new Socket("127.0.0.1", e.port())) {
                    s.setSoTimeout(30_000);
                    try {
                        s.getOutputStream().write(g.getBytes(StandardCharsets.ISO_8859_1));
                        s.getOutputStream().flush();
                        String head = new String(s.getInputStream().readNBytes(12), StandardCharsets.ISO_8859_1);
                        assertTrue(head.isEmpty() || head.startsWith("HTTP/1.1 4"), g.length() > 80
                                ? g.substring(0, 80) : g + " -> " + head);
                    } catch (java.net.SocketException closedOnUs) {
                        // a reset is a fine answer to garbage
                    }
                }
                assertEquals(200, get(e, "/history", "Authorization", "Bearer " + TOKEN).statusCode(), g);
            }
        }
    }
}
