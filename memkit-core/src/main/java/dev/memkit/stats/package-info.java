/**
 * Visibility: {@link dev.memkit.stats.MemoryStats} snapshots of heap, GC pauses, allocation rate, NIO buffers, RSS,
 * NMT and every memkit budget and pool; {@link dev.memkit.stats.MemoryMonitor} samples them periodically; a JMX
 * bean and JFR events. The live page, histograms and profiles are in the {@code dev.memkit.debug} module.
 *
 * @since 0.1
 */
package dev.memkit.stats;
