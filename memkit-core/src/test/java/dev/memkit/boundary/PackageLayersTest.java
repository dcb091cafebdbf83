package dev.memkit.boundary;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.constantpool.ClassEntry;
import java.lang.classfile.constantpool.Utf8Entry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reads the compiled core's class files and checks that its packages form layers: no two packages depend on each
 * other through any chain, the root package holds vocabulary only, and object pools do not need buffers.
 */
class PackageLayersTest {
    private static final String ROOT = "dev.memkit";
    private static final Pattern TYPE_IN_DESCRIPTOR = Pattern.compile("L(dev/memkit/[\\w/$]+)[;<]");

    /** Package to the memkit packages its classes refer to (constant-pool class entries). */
    private static Map<String, Set<String>> dependencies() throws IOException {
        Path classes = Path.of(System.getProperty("basedir", "."), "target", "classes");
        Map<String, Set<String>> deps = new TreeMap<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")
                    && !p.getFileName().toString().equals("module-info.class")).toList()) {
                ClassModel model = ClassFile.of().parse(f);
                String own = packageOf(model.thisClass().asInternalName());
                Set<String> mine = deps.computeIfAbsent(own, k -> new TreeSet<>());
                for (var entry : model.constantPool()) {
                    List<String> names = new ArrayList<>();
                    if (entry instanceof ClassEntry c) {
                        names.add(c.asInternalName().replaceAll("^\\[*L?|;$", ""));
                    } else if (entry instanceof Utf8Entry u) {   // descriptors and generic signatures
                        Matcher m = TYPE_IN_DESCRIPTOR.matcher(u.stringValue());
                        while (m.find()) {
                            names.add(m.group(1));
                        }
                    }
                    for (String name : names) {
                        String p = packageOf(name);
                        if ((p.equals(ROOT) || p.startsWith(ROOT + ".")) && !p.equals(own)) {
                            mine.add(p);
                        }
                    }
                }
            }
        }
        return deps;
    }

    private static String packageOf(String internalName) {
        int slash = internalName.lastIndexOf('/');
        return slash < 0 ? "" : internalName.substring(0, slash).replace('/', '.');
    }

    @Test
    void noPackageDependsOnItselfThroughOthers() throws IOException {
        Map<String, Set<String>> deps = dependencies();
        assertTrue(deps.size() > 8, "read the packages: " + deps.keySet());
        List<String> cycles = new ArrayList<>();
        for (String p : deps.keySet()) {
            List<String> path = cycleFrom(p, p, deps, new ArrayList<>(List.of(p)), new HashSet<>());
            if (path != null) {
                cycles.add(String.join(" -> ", path));
            }
        }
        assertEquals(List.of(), cycles, "package cycles");
    }

    private static List<String> cycleFrom(String start, String at, Map<String, Set<String>> deps, List<String> path,
                                          Set<String> seen) {
        for (String next : deps.getOrDefault(at, Set.of())) {
            if (next.equals(start)) {
                List<String> found = new ArrayList<>(path);
                found.add(next);
                return found;
            }
            if (seen.add(next)) {
                path.add(next);
                List<String> found = cycleFrom(start, next, deps, path, seen);
                if (found != null) {
                    return found;
                }
                path.removeLast();
            }
        }
        return null;
    }

    @Test
    void theRootPackageIsVocabularyAndPoolsDoNotNeedBuffers() throws IOException {
        Map<String, Set<String>> deps = dependencies();
        assertEquals(Set.of(), deps.getOrDefault(ROOT, Set.of()), "the root package depends on no other");
        assertTrue(!deps.get("dev.memkit.pool").contains("dev.memkit.buffer"), "pool -> buffer");
        assertEquals(Set.of(), deps.getOrDefault("dev.memkit.leak", Set.of()), "leak vocabulary depends on nothing");
    }
}
