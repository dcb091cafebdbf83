package dev.memkit.arena;

/**
 * A snapshot of a {@link RegionArena}.
 *
 * @param allocatedBytes bytes handed out since the last reset (including alignment padding)
 * @param totalAllocatedBytes bytes handed out over the arena's life
 * @param chunksHeld pooled chunks (and dedicated blocks) the arena holds now
 * @param heldBytes native bytes of those chunks and blocks
 * @param resets times {@link RegionArena#reset()} ran
 * @param highWaterBytes the most bytes handed out within one round
 * @param wasteAtResetBytes unused chunk tails (left at a reset, or skipped when an allocation did not fit),
 *        summed over the arena's life
 * @since 0.1
 */
public record RegionArenaStats(long allocatedBytes, long totalAllocatedBytes, int chunksHeld, long heldBytes,
                               long resets, long highWaterBytes, long wasteAtResetBytes) {}
