/**
 * The buffer pool: {@link dev.memkit.buffer.BufferPool} serves {@link dev.memkit.buffer.Buffer} leases of native
 * memory from size classes ({@link dev.memkit.buffer.SizeClasses}) with per-thread-stripe caches, a byte limit with
 * backpressure, leak detection ({@link dev.memkit.leak.LeakDetection}) and return of idle memory to the OS.
 * {@code Buffer}'s class comment states what a {@code segment()} or {@code byteBuffer()} view may outlive.
 *
 * @since 0.1
 */
package dev.memkit.buffer;
