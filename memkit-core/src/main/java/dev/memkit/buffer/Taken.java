package dev.memkit.buffer;

/**
 * What one {@link ClassDepot#take} handed out: how many blocks, and whether any was fresh (newly carved from a
 * slab, or a page run not yet resident), which the pool counts as a miss: the acquire paid for memory, not only for
 * reuse.
 *
 * <p>Immutable; the values a take can produce are preallocated, so taking allocates nothing.
 *
 * @param count blocks taken, at least 0
 * @param fresh whether any of them was fresh
 */
record Taken(int count, boolean fresh) {
    /** The most blocks one take hands out: a thread cache's refill batch, half its {@code cacheLimit} of 64. */
    private static final int SHARED = 64;
    private static final Taken[] REUSED = new Taken[SHARED + 1];
    private static final Taken[] FRESH = new Taken[SHARED + 1];

    static {
        for (int i = 0; i <= SHARED; i++) {
            REUSED[i] = new Taken(i, false);
            FRESH[i] = new Taken(i, true);
        }
    }

    static final Taken NONE = REUSED[0];

    static Taken of(int count, boolean fresh) {
        if (count > SHARED) {
            return new Taken(count, fresh);
        }
        return fresh ? FRESH[count] : REUSED[count];
    }
}
