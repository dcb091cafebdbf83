package dev.memkit.buffer;

/**
 * Lending idle blocks down the classes: a class with no free block takes an idle block of a bigger class before
 * the pool grows.
 *
 * <p><b>Why.</b> Size classes fluctuate independently, and a segregated pool that grows each class to its own
 * peak holds the sum of the peaks, where the live set only ever needs the peak of the sum. A class at its peak
 * taking an idle block from a neighbour below its own peak closes much of that gap. A lent block keeps its class:
 * it is counted there (its extra bytes as rounding waste) and goes back there on release.
 *
 * <p><b>Bounds.</b> Only slab classes lend (a page run is sized for its own class), only blocks on a depot's stack
 * (already touched, so lending costs no resident memory, unlike carving), and only blocks at most twice the
 * request, so a borrowed lease wastes at most half its block.
 *
 * <p><b>Concurrency.</b> Stateless after construction; {@link #mayLend} reads each depot's stack size without its
 * lock as a hint, and {@link #lend} takes one depot lock at a time (never with another held), as the depots require.
 */
final class Lenders {
    private final ClassDepot[] depots;
    private final SizeClasses classes;
    private final int[] last;            // per class: the largest slab class at most twice its size

    Lenders(ClassDepot[] depots, SizeClasses classes) {
        this.depots = depots;
        this.classes = classes;
        int n = depots.length;
        this.last = new int[n];
        for (int c = 0; c < n; c++) {
            int u = c;
            while (u + 1 < n && !depots[u + 1].paged && classes.size(u + 1) <= 2 * classes.size(c)) {
                u++;
            }
            last[c] = depots[c].paged ? c : u;
        }
    }

    /** Whether a class above {@code c}, at most twice {@code size}, looks like it has a free block (a racy hint). */
    boolean mayLend(int c, long size) {
        for (int u = c + 1; u <= last[c] && classes.size(u) <= 2 * size; u++) {
            if (depots[u].mayLend()) {
                return true;
            }
        }
        return false;
    }

    /** A free block of a class above {@code c}, at most twice {@code size}, counted on its own class; null if none. */
    Block lend(int c, long size) {
        for (int u = c + 1; u <= last[c] && classes.size(u) <= 2 * size; u++) {
            ClassDepot lender = depots[u];
            Block b = lender.mayLend() ? lender.lend() : null;
            if (b != null) {
                lender.countAcquire(size, false);
                return b;
            }
        }
        return null;
    }
}
