package dev.memkit.pool;

import dev.memkit.leak.LeakReport;
import dev.memkit.leak.LeakDetection;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs {@link BoundedPoolContract} against every leak mode and a range of capacities. */
class BoundedPoolConfigurationsTest {
    @Nested
    class Defaults extends BoundedPoolContract {
        @Override
        BoundedPoolBuilder<Conn> configure(BoundedPoolBuilder<Conn> b) {
            return b;
        }

        @Override
        int capacity() {
            return 4;
        }

        @Override
        boolean recoversEveryLeak() {
            return true;
        }

        @Test
        void aStaleLeaseDoesNotHideALaterLeakOfItsObject() throws Exception {
            BoundedPool<Conn> pool = unchecked(b -> b.capacity(1));
            Lease<Conn> stale = pool.acquire();
            stale.close();                              // kept by its former holder
            pool.acquire().get();                       // the same object, leaked
            for (int i = 0; i < 100 && pool.stats().leaksDetected() == 0; i++) {
                System.gc();
                Thread.sleep(10);
            }
            assertEquals(1, pool.stats().leaksDetected());
            assertTrue(stale.isReleased());
            pool.close();
        }
    }

    @Nested
    class SingleSlotUntracked extends BoundedPoolContract {
        @Override
        BoundedPoolBuilder<Conn> configure(BoundedPoolBuilder<Conn> b) {
            return b.leakDetection(LeakDetection.DISABLED);
        }

        @Override
        int capacity() {
            return 1;
        }
    }

    @Nested
    class ManySlotsSampled extends BoundedPoolContract {
        @Override
        BoundedPoolBuilder<Conn> configure(BoundedPoolBuilder<Conn> b) {
            return b.leakDetection(LeakDetection.SAMPLED).leakSamplingRate(1);
        }

        @Override
        int capacity() {
            return 64;
        }

        @Override
        boolean recoversEveryLeak() {
            return true;
        }

        @Test
        void sitesAreRecordedOnlyAfterTheFirstLeak() throws Exception {
            List<LeakReport> reports = java.util.Collections.synchronizedList(new ArrayList<>());
            BoundedPool<Conn> pool = pool(b -> b.capacity(1).leakListener(reports::add));
            for (int leak = 1; leak <= 2; leak++) {
                pool.acquire().get();
                for (int i = 0; i < 100 && reports.size() < leak; i++) {
                    System.gc();
                    Thread.sleep(10);
                    pool.stats();
                }
            }
            assertEquals(2, reports.size());
            assertEquals(null, reports.get(0).acquisitionSite(), "a leak-free pool records no sites");
            assertNotNull(reports.get(1).acquisitionSite(), "after a leak, sites are sampled (rate 1 here)");
        }
    }

    @Nested
    class Paranoid extends BoundedPoolContract {
        @Override
        BoundedPoolBuilder<Conn> configure(BoundedPoolBuilder<Conn> b) {
            return b.leakDetection(LeakDetection.PARANOID);
        }

        @Override
        int capacity() {
            return 3;
        }

        @Override
        boolean recoversEveryLeak() {
            return true;
        }

        @Test
        void reportsCarryTheAcquisitionSite() throws Exception {
            List<LeakReport> reports = new ArrayList<>();
            BoundedPool<Conn> pool = pool(b -> b.capacity(1).leakListener(reports::add));
            pool.acquire().get();
            for (int i = 0; i < 100 && reports.isEmpty(); i++) {
                System.gc();
                Thread.sleep(10);
                pool.stats();
            }
            assertEquals(1, reports.size());
            Throwable site = reports.getFirst().acquisitionSite();
            assertNotNull(site);
            boolean here = false;
            for (StackTraceElement e : site.getStackTrace()) {
                here |= e.getMethodName().equals("reportsCarryTheAcquisitionSite");
            }
            assertEquals(true, here, "the site names the acquiring test method");
        }
    }
}
