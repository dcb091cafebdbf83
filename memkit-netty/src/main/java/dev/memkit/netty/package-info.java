/**
 * Netty on memkit: {@link dev.memkit.netty.MemkitByteBufAllocator}, a {@code ByteBufAllocator} whose direct buffers
 * are leases from a {@code BufferPool}, so Netty's direct memory has memkit's limit, budget, pressure reactions,
 * leak reports and statistics. Set it with {@code ChannelOption.ALLOCATOR} on a bootstrap's channels and child
 * channels.
 *
 * @since 0.1
 */
package dev.memkit.netty;
