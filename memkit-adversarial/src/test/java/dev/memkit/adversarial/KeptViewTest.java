package dev.memkit.adversarial;

import dev.memkit.leak.LeakDetection;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Dropping an owner while keeping a view never crashes the JVM and never gives one block two owners, in every leak
 * detection mode, with native access granted and without.
 */
class KeptViewTest {

    static Stream<Arguments> cases() {
        List<Arguments> all = new ArrayList<>();
        for (String scenario : List.of("arena-confined", "arena-shared", "arena-dedicated", "buffer-segment",
                "buffer-bytebuffer")) {
            for (LeakDetection mode : LeakDetection.values()) {
                for (List<String> access : ChildJvm.accessModes()) {
                    all.add(Arguments.of(scenario, mode, access));
                }
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void aKeptViewOutlivesItsDroppedOwnerSafely(String scenario, LeakDetection mode, List<String> access)
            throws Exception {
        ChildJvm.Result r = ChildJvm.run(KeptViewScenarios.class, access, scenario, mode.name(), "65536");
        assertFalse(r.crashed(), r.output());
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("OK"), r.output());
        if (access.isEmpty()) { // without native access memkit makes no restricted call, so the JDK says nothing
            assertFalse(r.output().contains("restricted method"), r.output());
        }
    }

    @org.junit.jupiter.api.Test
    void withoutNativeAccessNoComponentMakesTheJdkWarnAboutARestrictedCall() throws Exception {
        ChildJvm.Result r = ChildJvm.run(NoRestrictedCallsScenario.class, List.of());
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("OK"), r.output());
        assertFalse(r.output().contains("restricted method"), r.output());
    }
}
