package dev.memkit.bench;

import dev.memkit.buffer.BufferPool;
import dev.memkit.netty.MemkitByteBufAllocator;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The same Netty HTTP/1.1 server with Netty's pooled allocator, its adaptive allocator and memkit's, under a bounded
 * load from keep-alive connections on loopback; prints requests/s, p99 latency and the server's peak RSS side by side.
 * A benchmark, not a test.
 *
 * <pre>
 *   java -cp memkit-bench/target/benchmarks.jar dev.memkit.bench.NettyHttpBench [SECONDS] [CONNECTIONS]
 * </pre>
 *
 * Each allocator's server runs in a child JVM of its own ({@code -Xmx512m}, native access granted), answering every
 * request with a body of the requested size written into a buffer from its allocator: 1 KiB and 1 MiB bodies. The
 * load runs in this JVM (its allocator Netty's default, the same for every server) for a warm-up of a third of the
 * time, then the measured time. Besides the server's peak RSS (mostly its Java heap), the server samples its
 * allocator's own {@code usedDirectMemory()} every 10 ms and reports the peak: the allocator's footprint alone; and
 * the heap its one event loop allocated per request served (what grows the eden, and so the RSS, between GCs).
 * {@code -Dbodies=1024,1048576} picks the body sizes; {@code -DserverOpts="..."} adds JVM options to the servers
 * ({@code -DthreadCacheBytes=N} among them sets the memkit pool's thread caches, 4 MiB by default).
 */
public final class NettyHttpBench {
    private NettyHttpBench() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("server")) {
            serve(args[1]);
            return;
        }
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int connections = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        System.out.printf(Locale.ROOT, "%-9s %-9s %12s %10s %14s %18s %16s%n", "body", "allocator", "requests/s",
                "p99 ms", "peak RSS MiB", "peak direct MiB", "heap B/request");
        int[] bodies = java.util.Arrays.stream(System.getProperty("bodies", "1024,1048576").split(","))
                .mapToInt(Integer::parseInt).toArray();
        for (int body : bodies) {
            for (String alloc : List.of("pooled", "adaptive", "memkit")) {
                run(alloc, body, seconds, connections);
            }
        }
    }

    private static void run(String alloc, int body, int seconds, int connections) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "--enable-native-access=ALL-UNNAMED"));
        String extra = System.getProperty("serverOpts", "").trim();   // e.g. -DserverOpts="-Xms512m"
        if (!extra.isEmpty()) {
            cmd.addAll(List.of(extra.split("\\s+")));
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), NettyHttpBench.class.getName(), "server",
                alloc));
        Process server = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.trim().matches("[0-9]+")) {
            // JVM or Netty start-up messages before the port
        }
        if (line == null) {
            throw new IllegalStateException("the " + alloc + " server did not start");
        }
        int port = Integer.parseInt(line.trim());
        Thread.ofPlatform().daemon().start(() -> out.lines().forEach(l -> { })); // keep draining its output
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            load(group, port, body, Math.max(1, seconds / 3), connections); // warm-up
            long[] result = load(group, port, body, seconds, connections);
            long rssKb = peakRssKb(server.pid());
            long[] stats = serverStats(port);
            System.out.printf(Locale.ROOT, "%-9s %-9s %12.0f %10.2f %14.1f %18.1f %16.0f%n",
                    body == 1024 ? "1 KiB" : "1 MiB", alloc, result[0] / (double) seconds, result[1] / 1e6,
                    rssKb / 1024.0, stats[0] / 1048576.0, stats[1] / (double) Math.max(1, stats[2]));
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            server.destroy();
            server.waitFor();
        }
    }

    /** Runs the load for {@code seconds}; returns {requests completed, p99 latency in ns}. */
    private static long[] load(EventLoopGroup group, int port, int body, int seconds, int connections)
            throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        AtomicBoolean stop = new AtomicBoolean();
        List<long[]> latencies = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(connections);
        for (int c = 0; c < connections; c++) {
            long[] mine = new long[1 << 20];
            latencies.add(mine);
            Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        int n;
                        long sent;

                        @Override
                        protected void initChannel(SocketChannel s) {
                            s.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(4 << 20),
                                    new SimpleChannelInboundHandler<FullHttpResponse>() {
                                        @Override
                                        public void channelActive(ChannelHandlerContext ctx) {
                                            send(ctx);
                                        }

                                        @Override
                                        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse r) {
                                            if (n < mine.length - 1) {
                                                mine[++n] = System.nanoTime() - sent;
                                            }
                                            if (System.nanoTime() < end && !stop.get()) {
                                                send(ctx);
                                            } else {
                                                mine[0] = n;
                                                ctx.close();
                                                done.countDown();
                                            }
                                        }

                                        private void send(ChannelHandlerContext ctx) {
                                            DefaultFullHttpRequest req = new DefaultFullHttpRequest(
                                                    HttpVersion.HTTP_1_1, HttpMethod.GET, "/" + body, Unpooled.EMPTY_BUFFER);
                                            req.headers().set(HttpHeaderNames.HOST, "127.0.0.1");
                                            sent = System.nanoTime();
                                            ctx.writeAndFlush(req);
                                        }
                                    });
                        }
                    }).connect(new InetSocketAddress("127.0.0.1", port)).sync().channel();
            ch.closeFuture(); // closed by its handler at the end
        }
        if (!done.await(seconds + 30L, TimeUnit.SECONDS)) {
            stop.set(true);
        }
        long total = 0;
        List<Long> all = new ArrayList<>();
        for (long[] l : latencies) {
            total += l[0];
            for (int i = 1; i <= l[0]; i++) {
                all.add(l[i]);
            }
        }
        long[] sorted = all.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(sorted);
        return new long[] {total, sorted.length == 0 ? 0 : sorted[(int) (sorted.length * 0.99)]};
    }

    /**
     * The server's figures: the peak of its allocator's direct memory ({@code usedDirectMemory()}, sampled every
     * 10 ms), the heap bytes its event loop allocated, and the requests it served (warm-up included).
     */
    private static long[] serverStats(int port) throws Exception {
        long[] out = {-1, 0, 0};
        try (java.net.Socket sock = new java.net.Socket("127.0.0.1", port)) {
            sock.getOutputStream().write("GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            BufferedReader r = new BufferedReader(new InputStreamReader(sock.getInputStream(), StandardCharsets.US_ASCII));
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("peak=")) {
                    String[] f = line.trim().split(" ");
                    for (int i = 0; i < 3; i++) {
                        out[i] = Long.parseLong(f[i].substring(f[i].indexOf('=') + 1));
                    }
                    return out;
                }
            }
        }
        return out;
    }

    private static long peakRssKb(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /** The server child: prints its port, then serves until killed. */
    private static void serve(String allocName) throws Exception {
        ByteBufAllocator alloc = switch (allocName) {
            case "pooled" -> PooledByteBufAllocator.DEFAULT;
            case "adaptive" -> new AdaptiveByteBufAllocator();
            case "memkit" -> new MemkitByteBufAllocator(BufferPool.builder().name("netty").limitBytes(1L << 30)
                    .threadCacheBytes(Long.getLong("threadCacheBytes", 4L << 20)).build());
            default -> throw new IllegalArgumentException(allocName);
        };
        java.util.concurrent.atomic.AtomicLong peak = new java.util.concurrent.atomic.AtomicLong();
        io.netty.buffer.ByteBufAllocatorMetric metric = ((io.netty.buffer.ByteBufAllocatorMetricProvider) alloc).metric();
        Thread.ofPlatform().daemon().start(() -> {
            while (true) {
                peak.accumulateAndGet(metric.usedDirectMemory(), Math::max);
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        long[] served = {0}; // by the one event loop only
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        Channel ch = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .option(ChannelOption.ALLOCATOR, alloc).childOption(ChannelOption.ALLOCATOR, alloc)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel s) {
                        s.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20),
                                new SimpleChannelInboundHandler<FullHttpRequest>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
                                        if (req.uri().equals("/stats")) {
                                            long heap = ((com.sun.management.ThreadMXBean) java.lang.management
                                                    .ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
                                            ByteBuf text = Unpooled.copiedBuffer("peak=" + peak.get() + " heap=" + heap
                                                    + " requests=" + served[0] + "\n", StandardCharsets.US_ASCII);
                                            FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                                                    HttpResponseStatus.OK, text);
                                            HttpUtil.setContentLength(res, text.readableBytes());
                                            ctx.writeAndFlush(res);
                                            return;
                                        }
                                        served[0]++;
                                        int size = Integer.parseInt(req.uri().substring(1));
                                        ByteBuf content = ctx.alloc().buffer(size);
                                        content.writerIndex(size); // the allocator's memory, as a handler's output
                                        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                                                HttpResponseStatus.OK, content);
                                        HttpUtil.setContentLength(res, size);
                                        ctx.writeAndFlush(res);
                                    }
                                });
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        System.out.println(((InetSocketAddress) ch.localAddress()).getPort());
        System.out.flush();
        ch.closeFuture().sync();
    }
}
