package dev.memkit.offheap;

import dev.memkit.budget.MemoryBudget;
import org.junit.jupiter.api.Test;

import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Resolves the built {@code dev.memkit.offheap} module with the core in a layer of their own: it exports its one
 * API package, reads the core, and reaches the core's internals only because the core exports them to it by name.
 */
class OffHeapModuleTest {

    @Test
    void resolvesAgainstTheCoreAndExportsOnlyItsApi() throws Exception {
        Path offheap = Path.of(System.getProperty("basedir", "."), "target", "classes");
        Path core = Path.of(MemoryBudget.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Configuration cf = ModuleLayer.boot().configuration()
                .resolve(ModuleFinder.of(offheap, core), ModuleFinder.of(), Set.of("dev.memkit.offheap"));
        ModuleLayer layer = ModuleLayer.boot().defineModulesWithOneLoader(cf, ClassLoader.getPlatformClassLoader());
        Module module = layer.findModule("dev.memkit.offheap").orElseThrow();
        Module memkit = layer.findModule("dev.memkit").orElseThrow();

        assertEquals(Set.of("dev.memkit.offheap"), module.getDescriptor().exports().stream()
                .map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()));
        assertTrue(module.canRead(memkit));
        assertTrue(memkit.isExported("dev.memkit.region", module), "the region owner, to this module by name");
        assertTrue(memkit.isExported("dev.memkit.internal", module));
        assertTrue(!memkit.isExported("dev.memkit.region"), "but to no one else");
        // The API works through the layer: a map built and used from the module's own loader.
        Class<?> map = layer.findLoader("dev.memkit.offheap").loadClass("dev.memkit.offheap.LongLongMap");
        Object builder = map.getMethod("builder").invoke(null);
        try (AutoCloseable m = (AutoCloseable) builder.getClass().getMethod("build").invoke(builder)) {
            map.getMethod("put", long.class, long.class).invoke(m, 7L, 8L);
            assertEquals(8L, map.getMethod("getOrDefault", long.class, long.class).invoke(m, 7L, 0L));
        }
    }
}
