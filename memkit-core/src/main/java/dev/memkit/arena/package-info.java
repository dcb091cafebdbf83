/**
 * Region allocation: {@link dev.memkit.arena.RegionArena} bump-allocates many short-lived segments from pooled chunks
 * and invalidates them all at once at {@code reset()}; any later access throws, never reads the next round's data.
 * Confined (one thread, cheapest) or shared.
 *
 * @since 0.1
 */
package dev.memkit.arena;
