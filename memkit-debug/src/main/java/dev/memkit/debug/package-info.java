/**
 * Debugging tools: the opt-in {@link dev.memkit.debug.DebugEndpoint} ({@code /debug/memory}: live page, JSON,
 * histograms, profiles, heap dumps; token and loopback by default), {@link dev.memkit.debug.HeapHistogram} and its
 * diffs, {@link dev.memkit.debug.AllocationProfile} (JFR allocation samples) and {@link dev.memkit.debug.HeapDumps}.
 *
 * @since 0.1
 */
package dev.memkit.debug;
