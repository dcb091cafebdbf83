package dev.memkit.buffer;

/**
 * A pool's thread-cache stripes and the choice of one per call: a thread's mixed id picks its home stripe, and a
 * busy home sends it to the next one, never to wait (see {@link Stripe}).
 *
 * <p>Ownership: the pool owns these stripes; {@code IdleMemory} and the statistics read them under each stripe's
 * lock. The array is fixed at construction; thread-safe.
 */
final class Stripes {
    /** Every stripe, a power-of-two count. */
    final Stripe[] all;
    private final int mask;

    /**
     * Creates the stripes, each with its leak-sampling countdown started at random.
     *
     * @param requested stripes wanted: rounded up to a power of two, at most 64 (the builder checks the range)
     * @param classes size classes, for each stripe's per-class caches
     * @param leakSamplingRate acquires per leak-tracking sample; each stripe starts at a random point of it
     */
    Stripes(int requested, int classes, int leakSamplingRate) {
        int count = Integer.highestOneBit(Math.max(1, requested) * 2 - 1);
        this.all = new Stripe[count];
        for (int i = 0; i < count; i++) {
            all[i] = new Stripe(classes);
            all[i].sampleCountdown = 1 + (int) (Math.random() * leakSamplingRate);
        }
        this.mask = count - 1;
    }

    /** The caller's home stripe, else its neighbour, locked; null if both are busy. */
    Stripe lock(long mixed) {
        int home = (int) (mixed >>> 40) & mask;
        Stripe s = all[home];
        if (s.tryLock()) {
            return s;
        }
        s = all[(home + 1) & mask];
        return s.tryLock() ? s : null;
    }

    /** Bytes of idle blocks held in all stripes now (each read under its lock). */
    long cachedBytes() {
        long bytes = 0;
        for (Stripe st : all) {
            st.lock();
            try {
                bytes += st.cachedBytes;
            } finally {
                st.unlock();
            }
        }
        return bytes;
    }
}
