package dev.memkit.debug;

import dev.memkit.stats.MemoryMonitor;
import dev.memkit.stats.MemoryStats;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * An opt-in HTTP endpoint, {@code /debug/memory}, in the spirit of Go's {@code net/http/pprof}: a live page and
 * JSON for the memory of this JVM and of memkit. Built on the JDK's {@code com.sun.net.httpserver}.
 *
 * <pre>{@code
 * try (MemoryMonitor monitor = MemoryMonitor.builder().manager(memory).start();
 *      DebugEndpoint debug = DebugEndpoint.builder(monitor).port(6060).token(secret).start()) {
 *     // open http://127.0.0.1:6060/debug/memory#token=SECRET
 * }
 * }</pre>
 *
 * <h2>Routes</h2>
 * <table>
 *   <caption>Routes under /debug/memory</caption>
 *   <tr><th>route</th><th>what</th></tr>
 *   <tr><td>{@code GET /debug/memory}</td><td>the live page (a static shell: it holds no data itself)</td></tr>
 *   <tr><td>{@code GET /debug/memory/stats}</td><td>the newest {@link MemoryStats} as JSON</td></tr>
 *   <tr><td>{@code GET /debug/memory/history}</td><td>the monitor's history, compact, for charts</td></tr>
 *   <tr><td>{@code GET /debug/memory/histogram}</td><td>the live-heap class histogram (runs a full GC)</td></tr>
 *   <tr><td>{@code POST /debug/memory/histogram/base}</td><td>captures and keeps a base histogram</td></tr>
 *   <tr><td>{@code GET /debug/memory/histogram/diff}</td><td>classes that grew since the base</td></tr>
 *   <tr><td>{@code GET /debug/memory/profile?seconds=N}</td><td>allocation profile for N (1–60, default 10)
 *       seconds; one at a time (409 while another runs)</td></tr>
 *   <tr><td>{@code GET /debug/memory/recording?seconds=N}</td><td>a JFR recording of N (1–300, default 30)
 *       seconds with the JDK's {@code profile} settings, as a {@code .jfr} download for JDK Mission Control or
 *       async-profiler's converters; one at a time (409 while another runs)</td></tr>
 *   <tr><td>{@code GET /debug/memory/heapdump}</td><td>a live-heap {@code .hprof} download, only when enabled
 *       with {@link Builder#heapDumps(boolean)}</td></tr>
 * </table>
 * Field-by-field JSON documentation: docs/DEBUG-ENDPOINT.md.
 *
 * <h2>Security</h2>
 * It binds 127.0.0.1 by default and then answers only loopback clients whose {@code Host} header names the
 * loopback (so a web page elsewhere cannot reach it through DNS rebinding). Every data route needs
 * {@code Authorization: Bearer TOKEN}: the token given to {@link Builder#token(String)}, or else one generated
 * at start, logged once with the page's address ({@link #pageUri()}), as notebook servers do, so no other local
 * process and no web page can force full-GC histograms or profiles. The page reads the token from its URL
 * fragment ({@code #token=...}, which browsers never send to servers) and sends it with each request.
 * {@link Builder#withoutToken()} turns the token off, for loopback only. Whatever the token, requests a browser
 * marks as cross-site ({@code Sec-Fetch-Site}, or an {@code Origin} other than the endpoint's) are refused.
 * Binding another address or answering other hosts needs {@link Builder#allowRemote(boolean)} and a token. Heap
 * dumps contain every secret in the heap and are off unless enabled.
 *
 * <h2>Slow and hostile clients</h2>
 * Each exchange runs on a virtual thread of its own, so a client that sends its request slowly holds only its own
 * thread. A request must arrive whole within {@value #REQUEST_SECONDS} s (its connection is closed after that), and
 * at most {@value #MAX_EXCHANGES} exchanges run at once (beyond that, new connections are closed at once).
 *
 * <p>Ownership and thread-safety: the endpoint owns its server, its exchanges' virtual threads and one daemon
 * watchdog thread; {@link #close()} stops them. It reads the monitor but does not own it.
 *
 * @since 0.1
 */
public final class DebugEndpoint implements AutoCloseable {
    static final String PREFIX = "/debug/memory";
    /** How long a client may take to send its request line and headers. */
    static final int REQUEST_SECONDS = 10;
    /** Exchanges served at once. */
    static final int MAX_EXCHANGES = 64;
    private static final System.Logger LOG = System.getLogger(DebugEndpoint.class.getName());

    private final MemoryMonitor monitor;
    private final byte[] token;              // null: no token required
    private final boolean allowRemote;
    private final boolean heapDumps;
    private final HttpServer server;
    private final ExchangeExecutor workers;
    private final AtomicReference<HeapHistogram> base = new AtomicReference<>();
    /** One allocation profile at a time: a profile holds a worker thread for its whole duration. */
    private final java.util.concurrent.atomic.AtomicBoolean profiling = new java.util.concurrent.atomic.AtomicBoolean();
    private final java.util.concurrent.atomic.AtomicBoolean recording = new java.util.concurrent.atomic.AtomicBoolean();
    private final Supplier<HeapHistogram> histograms;

    private DebugEndpoint(Builder b) throws IOException {
        monitor = b.monitor;
        String t = b.noToken ? null : b.token != null ? b.token : generatedToken();
        token = t == null ? null : t.getBytes(StandardCharsets.UTF_8);
        allowRemote = b.allowRemote;
        heapDumps = b.heapDumps;
        histograms = b.histograms;
        server = HttpServer.create(new InetSocketAddress(b.address, b.port), 16);
        workers = new ExchangeExecutor(MAX_EXCHANGES, Duration.ofSeconds(REQUEST_SECONDS));
        server.setExecutor(workers);
        server.createContext(PREFIX, this::handle);
    }

    /**
     * Starts configuring an endpoint over a running monitor.
     *
     * @param monitor supplies the stats and the history
     * @return a builder
     */
    public static Builder builder(MemoryMonitor monitor) {
        return new Builder(monitor);
    }

    /**
     * The port it listens on (useful with port 0).
     *
     * @return the port
     */
    public int port() {
        return server.getAddress().getPort();
    }

    private static String generatedToken() {
        byte[] bytes = new byte[24];
        new java.security.SecureRandom().nextBytes(bytes);
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * The page's address with the token in its fragment, ready to open in a browser (the address alone when
     * the endpoint has no token). Contains the secret: show it only to whoever may see the data.
     *
     * @return for example {@code http://127.0.0.1:6060/debug/memory#token=...}
     */
    public URI pageUri() {
        return token == null ? uri() : URI.create(uri() + "#token=" + new String(token, StandardCharsets.UTF_8));
    }

    /**
     * The page's address.
     *
     * @return for example {@code http://127.0.0.1:6060/debug/memory}
     */
    public URI uri() {
        InetSocketAddress a = server.getAddress();
        String host = a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + a.getPort() + PREFIX);
    }

    private void handle(HttpExchange ex) throws IOException {
        workers.requestRead(); // the request arrived whole: its read deadline no longer applies
        try (ex) {
            if (!allowRemote && !(ex.getRemoteAddress().getAddress().isLoopbackAddress() && loopbackHost(ex))) {
                send(ex, 403, "text/plain", "forbidden: only loopback clients (see DebugEndpoint.allowRemote)");
                return;
            }
            if (crossSite(ex)) {
                send(ex, 403, "text/plain", "forbidden: cross-site request");
                return;
            }
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            if (path.equals(PREFIX) || path.equals(PREFIX + "/")) {
                if (!method.equals("GET")) {
                    send(ex, 405, "text/plain", "method not allowed");
                    return;
                }
                send(ex, 200, "text/html; charset=utf-8", page());
                return;
            }
            if (!authorized(ex)) {
                ex.getResponseHeaders().add("WWW-Authenticate", "Bearer");
                send(ex, 401, "text/plain", "unauthorized: send Authorization: Bearer <token>");
                return;
            }
            route(ex, path.substring(PREFIX.length()), method);
        } catch (RuntimeException e) {
            send(ex, 500, "text/plain", "error: " + e);
        }
    }

    private void route(HttpExchange ex, String route, String method) throws IOException {
        boolean post = method.equals("POST");
        if (!method.equals("GET") && !(post && route.equals("/histogram/base"))) {
            send(ex, 405, "text/plain", "method not allowed");
            return;
        }
        switch (route) {
            case "/stats" -> {
                MemoryStats s = monitor.latest();
                if (s == null) {
                    send(ex, 503, "text/plain", "no sample yet");
                } else {
                    json(ex, s.toJson());
                }
            }
            case "/history" -> json(ex, monitor.historyJson());
            case "/histogram" -> json(ex, DebugJson.histogram(histograms.get(), 100));
            case "/histogram/base" -> {
                if (!post) {
                    send(ex, 405, "text/plain", "POST to capture a base");
                    return;
                }
                HeapHistogram h = histograms.get();
                base.set(h);
                json(ex, DebugJson.histogram(h, 20));
            }
            case "/histogram/diff" -> {
                HeapHistogram b = base.get();
                if (b == null) {
                    send(ex, 409, "text/plain", "no base: POST " + PREFIX + "/histogram/base first");
                } else {
                    json(ex, DebugJson.diff(b, histograms.get(), 100));
                }
            }
            case "/profile" -> profile(ex);
            case "/recording" -> recording(ex);
            case "/heapdump" -> heapDump(ex);
            default -> send(ex, 404, "text/plain", "not found");
        }
    }

    /** The {@code seconds=N} query parameter, {@code otherwise} when absent, or -1 when not a number. */
    private static int seconds(HttpExchange ex, int otherwise) {
        String q = ex.getRequestURI().getQuery();
        if (q == null || !q.startsWith("seconds=")) {
            return otherwise;
        }
        try {
            return Integer.parseInt(q.substring("seconds=".length()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private void recording(HttpExchange ex) throws IOException {
        int seconds = seconds(ex, 30);
        if (seconds < 1 || seconds > 300) {
            send(ex, 400, "text/plain", "seconds must be between 1 and 300");
            return;
        }
        if (!recording.compareAndSet(false, true)) {
            send(ex, 409, "text/plain", "a recording is already running; try again when it ends");
            return;
        }
        Path dir = null;
        Path file = null;
        try {
            dir = Files.createTempDirectory("memkit-jfr",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            file = dir.resolve("memkit.jfr");
            try (jdk.jfr.Recording r = new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile"))) {
                r.setName("memkit /debug/memory/recording");
                r.start();
                Thread.sleep(Duration.ofSeconds(seconds));
                r.stop();
                r.dump(file);
            }
            ex.getResponseHeaders().add("Content-Type", "application/octet-stream");
            ex.getResponseHeaders().add("Content-Disposition", "attachment; filename=\"memkit.jfr\"");
            ex.sendResponseHeaders(200, Files.size(file));
            try (OutputStream out = ex.getResponseBody()) {
                Files.copy(file, out);
            }
        } catch (java.text.ParseException e) {
            send(ex, 500, "text/plain", "the JDK's profile settings could not be read: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            send(ex, 503, "text/plain", "interrupted");
        } finally {
            recording.set(false);
            if (file != null) {
                Files.deleteIfExists(file);
            }
            if (dir != null) {
                Files.deleteIfExists(dir);
            }
        }
    }

    private void profile(HttpExchange ex) throws IOException {
        int seconds = seconds(ex, 10);
        if (seconds < 1 || seconds > 60) {
            send(ex, 400, "text/plain", "seconds must be between 1 and 60");
            return;
        }
        if (!profiling.compareAndSet(false, true)) {
            send(ex, 409, "text/plain", "an allocation profile is already running; try again when it ends");
            return;
        }
        try {
            json(ex, DebugJson.profile(AllocationProfile.record(Duration.ofSeconds(seconds), 50)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            send(ex, 503, "text/plain", "interrupted");
        } finally {
            profiling.set(false);
        }
    }

    private void heapDump(HttpExchange ex) throws IOException {
        if (!heapDumps) {
            send(ex, 403, "text/plain", "heap dumps are disabled (DebugEndpoint.Builder.heapDumps)");
            return;
        }
        Path dir = Files.createTempDirectory("memkit-heapdump",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path file = dir.resolve("heap.hprof");
        try {
            long size = HeapDumps.write(file, true);
            ex.getResponseHeaders().add("Content-Type", "application/octet-stream");
            ex.getResponseHeaders().add("Content-Disposition", "attachment; filename=\"heap.hprof\"");
            ex.sendResponseHeaders(200, size);
            try (OutputStream out = ex.getResponseBody()) {
                Files.copy(file, out);
            }
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }

    private boolean loopbackHost(HttpExchange ex) {
        String host = ex.getRequestHeaders().getFirst("Host");
        if (host == null) {
            return true; // HTTP/1.0 clients: the remote address check already passed
        }
        host = host.toLowerCase(Locale.ROOT);
        int colon = host.startsWith("[") ? host.indexOf("]:") + 1 : host.lastIndexOf(':');
        if (colon > 0) {
            host = host.substring(0, colon);
        }
        return host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]");
    }

    /** A request a browser sent on behalf of another site's page. */
    private static boolean crossSite(HttpExchange ex) {
        String site = ex.getRequestHeaders().getFirst("Sec-Fetch-Site");
        if (site != null && !site.equals("same-origin") && !site.equals("none")) {
            return true;
        }
        String origin = ex.getRequestHeaders().getFirst("Origin");
        String host = ex.getRequestHeaders().getFirst("Host");
        return origin != null && (host == null || !origin.equalsIgnoreCase("http://" + host));
    }

    private boolean authorized(HttpExchange ex) {
        if (token == null) {
            return true;
        }
        String h = ex.getRequestHeaders().getFirst("Authorization");
        if (h == null || !h.startsWith("Bearer ")) {
            return false;
        }
        return MessageDigest.isEqual(token, h.substring("Bearer ".length()).trim().getBytes(StandardCharsets.UTF_8));
    }

    private static String page() {
        try (InputStream in = DebugEndpoint.class.getResourceAsStream("debug-memory.html")) {
            if (in == null) {
                throw new IllegalStateException("debug-memory.html missing from the memkit jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("<!--memkit-charts-->",
                    Charts.head());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void json(HttpExchange ex, String body) throws IOException {
        send(ex, 200, "application/json", body);
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Stops the server (waits up to one second for exchanges in flight) and its workers. Idempotent. */
    @Override
    public void close() {
        server.stop(1);
        workers.close();
    }

    /** Configuration of a {@link DebugEndpoint}. Not thread-safe; start once. */
    public static final class Builder {
        private final MemoryMonitor monitor;
        private InetAddress address = InetAddress.getLoopbackAddress();
        private int port;
        private String token;
        private boolean noToken;
        private boolean allowRemote;
        private boolean heapDumps;
        private Supplier<HeapHistogram> histograms = HeapHistogram::capture;

        private Builder(MemoryMonitor monitor) {
            this.monitor = Objects.requireNonNull(monitor, "monitor");
        }

        /**
         * The port. Default 0: any free port (see {@link DebugEndpoint#port()}).
         *
         * @param port 0 to 65535
         * @return this builder
         */
        public Builder port(int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port must be in [0, 65535]: " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * The address to bind. Default: the loopback address. Any other needs {@link #allowRemote(boolean)}.
         *
         * @param address the address
         * @return this builder
         */
        public Builder bindAddress(InetAddress address) {
            this.address = Objects.requireNonNull(address, "address");
            return this;
        }

        /**
         * The token every data route requires ({@code Authorization: Bearer token}). Default: one generated at
         * start and logged once with the page's address (see {@link DebugEndpoint#pageUri()}).
         *
         * @param token at least 16 characters
         * @return this builder
         */
        public Builder token(String token) {
            if (Objects.requireNonNull(token, "token").length() < 16) {
                throw new IllegalArgumentException("a token must have at least 16 characters");
            }
            this.token = token;
            this.noToken = false;
            return this;
        }

        /**
         * Serves every route without a token: any local process can then read the data and force full-GC
         * histograms and profiles. Loopback only; cross-site browser requests are still refused.
         *
         * @return this builder
         */
        public Builder withoutToken() {
            this.token = null;
            this.noToken = true;
            return this;
        }

        /**
         * Answers clients other than the loopback (and binds other addresses). Requires a token.
         *
         * @param allow true to allow
         * @return this builder
         */
        public Builder allowRemote(boolean allow) {
            this.allowRemote = allow;
            return this;
        }

        /**
         * Serves {@code /debug/memory/heapdump}. Default off: a heap dump contains every secret in the heap.
         *
         * @param enabled true to serve heap dumps
         * @return this builder
         */
        public Builder heapDumps(boolean enabled) {
            this.heapDumps = enabled;
            return this;
        }

        /** For tests: where histograms come from. */
        Builder histograms(Supplier<HeapHistogram> source) {
            this.histograms = Objects.requireNonNull(source, "source");
            return this;
        }

        /**
         * Binds and starts serving.
         *
         * @return the running endpoint
         * @throws IllegalArgumentException for a remote setup without a token, or a non-loopback address without
         *         {@code allowRemote}
         * @throws UncheckedIOException if the address cannot be bound
         */
        public DebugEndpoint start() {
            if (!allowRemote && !address.isLoopbackAddress()) {
                throw new IllegalArgumentException("binding " + address + " needs allowRemote(true) and a token");
            }
            if (allowRemote && token == null) {
                throw new IllegalArgumentException("allowRemote(true) requires an explicit token(...)");
            }
            try {
                DebugEndpoint e = new DebugEndpoint(this);
                e.server.start();
                if (token == null && !noToken) {
                    LOG.log(System.Logger.Level.INFO, "memkit debug page: " + e.pageUri());
                }
                return e;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot bind " + address + ":" + port + ": " + e.getMessage(), e);
            }
        }
    }
}
