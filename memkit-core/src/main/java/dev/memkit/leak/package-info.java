/**
 * Leak detection, one vocabulary for every pool: how a pool watches its leases ({@link dev.memkit.leak.LeakDetection})
 * and what it reports when one becomes unreachable unreleased ({@link dev.memkit.leak.LeakReport}).
 *
 * @since 0.1
 */
package dev.memkit.leak;
