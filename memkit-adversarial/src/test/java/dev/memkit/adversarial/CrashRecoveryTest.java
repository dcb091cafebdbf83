package dev.memkit.adversarial;

import dev.memkit.offheap.BytesMap;
import dev.memkit.offheap.LongLongMap;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A writer JVM is SIGKILLed at a random point of its sync loop, again and again on the same directory. After each
 * kill the map must reopen with at least every round the writer reported synced, sync again, close, and reopen
 * verified; then the next writer continues from it.
 */
class CrashRecoveryTest {
    private static final Pattern SYNCED = Pattern.compile("synced (\\d+)");

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"long", "bytes"})
    void killedDuringSyncReopensSyncsAgainAndClosesCleanly(String kind) throws Exception {
        Path dir = tmp.resolve(kind);
        for (int kill = 0; kill < 4; kill++) {
            ChildJvm.Running child = ChildJvm.start(CrashingWriter.class, List.of(), dir.toString(), kind);
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (!Files.readString(child.log()).contains("synced") && System.nanoTime() < deadline
                    && child.process().isAlive()) {
                Thread.sleep(5);
            }
            Thread.sleep(ThreadLocalRandom.current().nextInt(1, 300)); // somewhere inside a later round
            child.process().destroyForcibly();                           // SIGKILL
            ChildJvm.Result r = child.await(30);
            long reported = lastSynced(r.output());
            assertTrue(reported >= 0, "the writer never synced: " + r.output());
            long present = checkAndExtend(dir, kind, reported);
            assertTrue(present >= reported + 1, "lost synced rounds: " + present + " of " + (reported + 1));
        }
    }

    /** Checks every synced round survived, then syncs one more batch, closes and reopens verified. */
    private static long checkAndExtend(Path dir, String kind, long reported) {
        long rounds;
        if (kind.equals("long")) {
            try (LongLongMap m = LongLongMap.open(dir)) {
                rounds = m.size() / 1000;
                assertEquals(0, m.size() % 1000, "a partial round is visible");
                for (long k = 0; k < (reported + 1) * 1000; k += 7) {
                    assertEquals(k, m.getOrDefault(k, -1));
                }
                m.put(-1, -1);
                m.sync();
                m.remove(-1);
            }
            try (LongLongMap m = LongLongMap.openVerified(dir)) {
                assertEquals(rounds * 1000, m.size());
            }
        } else {
            try (BytesMap m = BytesMap.open(dir)) {
                rounds = m.size() / 1000;
                assertEquals(0, m.size() % 1000, "a partial round is visible");
                for (long k = 0; k < (reported + 1) * 1000; k += 7) {
                    assertArrayEquals(CrashingWriter.key(k), m.get(CrashingWriter.key(k)));
                }
                m.put(new byte[] {1}, new byte[] {1});
                m.sync();
                m.remove(new byte[] {1});
            }
            try (BytesMap m = BytesMap.openVerified(dir)) {
                assertEquals(rounds * 1000, m.size());
            }
        }
        return rounds;
    }

    private static long lastSynced(String output) {
        long last = -1;
        Matcher m = SYNCED.matcher(output);
        while (m.find()) {
            last = Long.parseLong(m.group(1));
        }
        return last;
    }
}
