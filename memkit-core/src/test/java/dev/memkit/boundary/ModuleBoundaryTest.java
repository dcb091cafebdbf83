package dev.memkit.boundary;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.reflect.InaccessibleObjectException;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Loads the built {@code dev.memkit} module into its own layer and, from this test (another module), checks
 * that only the API packages are exported and that internals cannot be reached, even reflectively.
 */
class ModuleBoundaryTest {
    private static final Set<String> API = Set.of("dev.memkit", "dev.memkit.arena", "dev.memkit.budget",
            "dev.memkit.buffer", "dev.memkit.leak", "dev.memkit.manager", "dev.memkit.pool",
            "dev.memkit.stats");
    private static Module memkit;
    private static ClassLoader loader;

    @BeforeAll
    static void loadModule() {
        Path classes = Path.of(System.getProperty("basedir", "."), "target", "classes");
        assertTrue(Files.isRegularFile(classes.resolve("module-info.class")), "module built at " + classes);
        Configuration cf = ModuleLayer.boot().configuration()
                .resolve(ModuleFinder.of(classes), ModuleFinder.of(), Set.of("dev.memkit"));
        ModuleLayer layer = ModuleLayer.boot().defineModulesWithOneLoader(cf, ClassLoader.getPlatformClassLoader());
        memkit = layer.findModule("dev.memkit").orElseThrow();
        loader = memkit.getClassLoader();
    }

    @Test
    void exportsOnlyTheApiPackages() {
        Set<String> exported = memkit.getDescriptor().exports().stream().filter(e -> !e.isQualified())
                .map(ModuleDescriptor.Exports::source).collect(Collectors.toSet());
        assertEquals(API, exported);
        // Internals are exported to memkit's own modules only, never to everyone.
        assertEquals(Set.of("dev.memkit.internal", "dev.memkit.region"), memkit.getDescriptor().exports().stream()
                .filter(ModuleDescriptor.Exports::isQualified).map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toSet()));
        assertEquals(Set.of("dev.memkit.debug", "dev.memkit.offheap"), memkit.getDescriptor().exports().stream()
                .filter(ModuleDescriptor.Exports::isQualified).flatMap(e -> e.targets().stream())
                .collect(Collectors.toSet()));
        assertTrue(memkit.getDescriptor().opens().isEmpty(), "nothing is opened for deep reflection");
        assertFalse(memkit.isExported("dev.memkit.internal"));
        assertFalse(memkit.isExported("dev.memkit.region"));
    }

    @Test
    void publicClassesOfInternalPackagesAreUnreachable() throws Exception {
        Class<?> internal = loader.loadClass("dev.memkit.internal.NativeHeap");
        assertTrue(Modifier.isPublic(internal.getModifiers()));
        assertThrows(IllegalAccessException.class, () -> MethodHandles.publicLookup().findStatic(
                internal, "trim", MethodType.methodType(boolean.class)));
        var method = internal.getMethod("trim");
        assertThrows(IllegalAccessException.class, () -> method.invoke(null));
        assertThrows(InaccessibleObjectException.class, () -> method.setAccessible(true));
    }

    @Test
    void pageReleaseCannotBeCalledFromOutside() throws Exception {
        // madvise on a caller-chosen range would drop anyone's data: only memkit may reach it
        Class<?> pages = loader.loadClass("dev.memkit.internal.PageRelease");
        var release = pages.getMethod("release", java.lang.foreign.MemorySegment.class, long.class, long.class);
        assertThrows(IllegalAccessException.class,
                () -> release.invoke(null, java.lang.foreign.MemorySegment.NULL, 0L, 0L));
        assertThrows(InaccessibleObjectException.class, () -> release.setAccessible(true));
    }

    @Test
    void packagePrivateInternalsBesideTheApiAreUnreachable() throws Exception {
        for (String name : new String[] {"Slab", "Block", "ClassDepot", "Stripe", "Leaks", "Scavenger", "PoolLimit",
            "IdleMemory"}) {
            Class<?> c = loader.loadClass("dev.memkit.buffer." + name);
            assertFalse(Modifier.isPublic(c.getModifiers()), name + " is not public");
            assertTrue(Modifier.isFinal(c.getModifiers()), name + " is final");
            var ctor = c.getDeclaredConstructors()[0];
            assertThrows(InaccessibleObjectException.class, () -> ctor.setAccessible(true), name);
        }
    }

    @Test
    void apiClassesAreFinal() throws Exception {
        for (String name : new String[] {"BufferPool", "BufferPoolBuilder", "Buffer", "SizeClasses", "PoolExhaustedException"}) {
            assertTrue(Modifier.isFinal(loader.loadClass("dev.memkit.buffer." + name).getModifiers()), name);
        }
    }
}
