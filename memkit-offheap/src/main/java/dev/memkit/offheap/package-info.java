/**
 * Pointer-free off-heap data the garbage collector never traces: {@link dev.memkit.offheap.LongLongMap} and
 * {@link dev.memkit.offheap.BytesMap} (hash maps in native memory, optionally in memory-mapped directories with
 * crash-consistent {@code sync()}), {@link dev.memkit.offheap.LongArray} and {@link dev.memkit.offheap.ByteArray}
 * (beyond 2^31 elements, optionally file-backed), and {@link dev.memkit.offheap.StructLayouts} for records.
 *
 * @since 0.1
 */
package dev.memkit.offheap;
