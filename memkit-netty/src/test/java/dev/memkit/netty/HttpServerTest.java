package dev.memkit.netty;

import dev.memkit.buffer.BufferPool;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
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
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A real Netty HTTP/1.1 echo server on loopback whose channels allocate from a memkit pool, under PARANOID leak
 * detection: every buffer comes back, a request over the budget fails only its own connection, and the server keeps
 * serving others.
 */
class HttpServerTest {
    private ResourceLeakDetector.Level before;
    private EventLoopGroup group;

    @BeforeEach
    void paranoid() {
        before = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    }

    @AfterEach
    void restore() throws Exception {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        ResourceLeakDetector.setLevel(before);
    }

    /** An echo server: the response body is the request body. */
    private Channel server(MemkitByteBufAllocator alloc) throws InterruptedException {
        return new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .option(ChannelOption.ALLOCATOR, alloc).childOption(ChannelOption.ALLOCATOR, alloc)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(16 << 20),
                                new SimpleChannelInboundHandler<FullHttpRequest>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
                                        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                                                HttpResponseStatus.OK, req.content().retainedDuplicate());
                                        HttpUtil.setContentLength(res, res.content().readableBytes());
                                        ctx.writeAndFlush(res);
                                    }

                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                        ctx.close(); // a refused allocation ends this connection only
                                    }
                                });
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    /** POSTs {@code body} on a fresh connection and returns the echoed body. */
    private byte[] post(Channel server, byte[] body) throws Exception {
        CompletableFuture<byte[]> reply = new CompletableFuture<>();
        Channel c = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(32 << 20),
                                new SimpleChannelInboundHandler<FullHttpResponse>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse res) {
                                        reply.complete(ByteBufUtilCopy.bytes(res.content()));
                                        ctx.close();
                                    }

                                    @Override
                                    public void channelInactive(ChannelHandlerContext ctx) {
                                        reply.completeExceptionally(new IllegalStateException("connection closed"));
                                    }
                                });
                    }
                }).connect(server.localAddress()).sync().channel();
        DefaultFullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/echo",
                Unpooled.wrappedBuffer(body));
        req.headers().set(HttpHeaderNames.HOST, "127.0.0.1");
        HttpUtil.setContentLength(req, body.length);
        c.writeAndFlush(req).addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
        try {
            return reply.get(30, TimeUnit.SECONDS);
        } finally {
            c.close().sync();
        }
    }

    @Test
    void smallAndLargeBodiesEchoAndEveryPooledBufferComesBack() throws Exception {
        try (BufferPool pool = BufferPool.builder().name("http").limitBytes(256L << 20).build()) {
            MemkitByteBufAllocator alloc = new MemkitByteBufAllocator(pool);
            Channel server = server(alloc);
            SplittableRandom r = new SplittableRandom(7);
            for (int i = 0; i < 40; i++) {
                byte[] body = new byte[i % 10 == 9 ? (1 << 20) + i : 1024 + i];
                r.nextBytes(body);
                assertArrayEquals(body, post(server, body));
            }
            server.close().sync();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            pool.checkNoLeases();
            assertEquals(0, pool.stats().leaksDetected());
        }
    }

    @Test
    void aRequestOverTheBudgetFailsItsOwnConnectionAndTheServerServesOthers() throws Exception {
        try (BufferPool pool = BufferPool.builder().name("tight").limitBytes(2L << 20).build()) {
            MemkitByteBufAllocator alloc = new MemkitByteBufAllocator(pool);
            Channel server = server(alloc);
            byte[] tooBig = new byte[4 << 20];
            ExecutionException e = assertThrows(ExecutionException.class, () -> post(server, tooBig));
            assertEquals("connection closed", e.getCause().getMessage());
            byte[] small = "still serving".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            assertArrayEquals(small, post(server, small));
            server.close().sync();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            pool.checkNoLeases();
        }
    }

    /** Copies a buffer's readable bytes. */
    static final class ByteBufUtilCopy {
        private ByteBufUtilCopy() {}

        static byte[] bytes(ByteBuf b) {
            byte[] out = new byte[b.readableBytes()];
            b.getBytes(b.readerIndex(), out);
            return out;
        }
    }
}
