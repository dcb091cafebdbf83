package dev.memkit.stats;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryMonitorTest {
    @Test
    void samplesIntoABoundedHistoryAndNotifiesListeners() throws Exception {
        List<MemoryStats> seen = new CopyOnWriteArrayList<>();
        MemoryMonitor m = MemoryMonitor.builder().interval(Duration.ofMillis(10)).historySize(3)
                .listener(seen::add).listener(s -> {
                    throw new IllegalStateException("a broken listener does not stop the monitor");
                }).start();
        try {
            for (int i = 0; i < 500 && seen.size() < 5; i++) {
                Thread.sleep(10);
            }
            assertTrue(seen.size() >= 5, "samples: " + seen.size());
            List<MemoryStats> h = m.history();
            assertTrue(h.size() <= 3 && !h.isEmpty());
            assertTrue(!h.getFirst().time().isAfter(h.getLast().time()), "oldest first");
            String line = MemoryMonitor.summary(m.latest());
            assertTrue(line.startsWith("memory: heap ") && line.contains("after GC"), line);
        } finally {
            m.close();
        }
        m.thread().join(5000);
        assertFalse(m.thread().isAlive(), "close stops the thread");
        assertThrows(IllegalArgumentException.class, () -> MemoryMonitor.builder().interval(Duration.ofMillis(1)));
        assertThrows(IllegalArgumentException.class, () -> MemoryMonitor.builder().historySize(0));
    }
}
