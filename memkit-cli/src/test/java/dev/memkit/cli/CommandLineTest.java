package dev.memkit.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CommandLineTest {
    @TempDir
    Path tmp;

    private static CliRun.Outcome run(String... args) {
        return CliRun.run(args);
    }

    @Test
    void missingArgumentsAreAUsageError() {
        CliRun.Outcome o = run("backup");
        assertEquals(2, o.exit());
        assertTrue(o.err().contains("Missing required"), o.err());
    }

    @Test
    void malformedTargetIsExplained() {
        CliRun.Outcome o = run("backup", tmp.toString(), "--to", "nowhere");
        assertEquals(1, o.exit());
        assertTrue(o.err().contains("HOST:PORT"), o.err());
    }

    @Test
    void badOptionValuesAreExplained() {
        assertTrue(run("backup", tmp.toString(), "--to", "localhost:1", "--buffers", "magic").err()
                .contains("--buffers must be naive or pooled"));
        assertTrue(run("backup", tmp.toString(), "--to", "localhost:1", "--codec", "lz9").err()
                .contains("unknown codec"));
        assertTrue(run("backup", tmp.toString(), "--to", "localhost:1", "--buffers", "pooled", "--classes", "1k,x")
                .err().contains("size class"));
        assertTrue(run("demo", "--size", "huge").err().contains("--size must be"));
    }

    @Test
    void demoOptionsAreCheckedBeforeAnyWork() throws Exception {
        String[][] bad = {
                {"--threads", "0", "--threads"}, {"--threads", "100000", "--threads"},
                {"--codec", "lz4", "codec"}, {"--classes", "1k,banana", "--classes"},
                {"--naive-kind", "stack", "--naive-kind"}, {"--heap", "lots", "--heap"}, {"--heap", "1.5g", "--heap"},
                {"--heap", "1m", "--heap"}, {"--report", tmp.toString(), "--report"},
                {"--report", tmp.resolve("no/such/dir/r.html").toString(), "--report"},
        };
        for (String[] b : bad) {
            CliRun.Outcome o = run("demo", "--size", "tiny", "--workdir", tmp.toString(), b[0], b[1]);
            assertNotEquals(0, o.exit(), String.join(" ", b));
            assertTrue(o.err().contains(b[2]), b[0] + " " + b[1] + ": " + o.err());
            try (var entries = Files.list(tmp)) {
                assertTrue(entries.noneMatch(p -> p.getFileName().toString().startsWith("memkit-demo-")),
                        "no corpus generated for " + String.join(" ", b));
            }
        }
    }

    @Test
    void aFileErrorNamesItsCauseNotOnlyThePath() throws Exception {
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        CliRun.Outcome o = run("demo", "--size", "tiny", "--workdir", file.resolve("sub").toString());
        assertNotEquals(0, o.exit());
        String line = o.err().strip();
        assertTrue(line.startsWith("memkit: ") && !line.equals("memkit: " + file.resolve("sub")), line);
        String lower = line.toLowerCase(java.util.Locale.ROOT);
        assertTrue(lower.contains("not a directory") || lower.contains("exists") || lower.contains("denied"), line);
    }

    @Test
    void layoutRefusesACountWhoseSizesWouldOverflow() {
        CliRun.Outcome o = run("layout", "java.lang.String", "--count", "9223372036854775807");
        assertNotEquals(0, o.exit());
        assertTrue(o.err().contains("--count must be in"), o.err());
    }

    @Test
    void layoutOfAClassWhoseSuperclassIsMissingIsOneClearLine() throws Exception {
        javax.tools.JavaCompiler javac = javax.tools.ToolProvider.getSystemJavaCompiler();
        java.nio.file.Path src = java.nio.file.Files.createDirectories(tmp.resolve("src/p"));
        java.nio.file.Files.writeString(src.resolve("Base.java"), "package p; public class Base { long a; }");
        java.nio.file.Files.writeString(src.resolve("Child.java"), "package p; public class Child extends Base { int b; }");
        java.nio.file.Path classes = java.nio.file.Files.createDirectories(tmp.resolve("classes"));
        assertEquals(0, javac.run(null, null, null, "-d", classes.toString(), src.resolve("Base.java").toString(),
                src.resolve("Child.java").toString()));
        java.nio.file.Files.delete(classes.resolve("p/Base.class"));
        CliRun.Outcome o = run("layout", "p.Child", "--class-path", classes.toString());
        assertNotEquals(0, o.exit());
        assertTrue(o.err().contains("cannot load p.Child") && o.err().contains("p/Base"), o.err());
        assertTrue(o.err().lines().count() <= 2, o.err());
    }

    @Test
    void missingSourceFailsClearly() {
        CliRun.Outcome o = run("backup", tmp.resolve("nope").toString(), "--to", "127.0.0.1:9");
        assertEquals(1, o.exit());
        assertTrue(o.err().contains("does not exist"), o.err());
    }

    @Test
    void unreachableReceiverFailsWithNonZeroExit() throws Exception {
        Files.writeString(tmp.resolve("f"), "x");
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        CliRun.Outcome o = run("backup", tmp.toString(), "--to", "127.0.0.1:" + port);
        assertEquals(1, o.exit());
        assertTrue(o.err().contains("unreachable") && o.err().contains("FAILED"), o.err());
    }

    @Test
    void tinyDemoRunsEndToEndInChildJvms() throws Exception {
        Path report = tmp.resolve("report.html");
        CliRun.Outcome o = run("demo", "--size", "tiny", "--threads", "2", "--heap", "256m", "--workdir", tmp.toString(),
                "--report", report.toString());
        assertEquals(0, o.exit(), o.out() + o.err());
        assertTrue(o.out().matches("(?s).*restore identical\\s+yes\\s+yes.*"),
                o.out());
        String html = Files.readString(report);
        assertTrue(html.contains("memkitCharts.chart(") && !html.contains("<script src="), "charts are drawn, inline");
        assertTrue(!html.matches("(?s).*(src|href)=\"?(https?:)?//.*"), "self-contained: nothing loaded from elsewhere");
        try (var s = Files.list(tmp)) {
            assertEquals(1, s.count(), "the demo cleans up its corpus and restores");
        }
    }

    @Test
    void theDemoRunsOnTheUsersOwnTreeReadOnlyAndVerifiesMetadataAndLinks() throws Exception {
        Path src = dev.memkit.cli.backup.Trees.everyKind(tmp.resolve("mine"));
        Path work = Files.createDirectories(tmp.resolve("work"));
        long mtime = Files.getLastModifiedTime(src.resolve("bin/java")).toMillis();
        Path report = tmp.resolve("report.html");
        CliRun.Outcome o = run("demo", "--source", src.toString(), "--threads", "2", "--heap", "256m", "--workdir",
                work.toString(), "--report", report.toString());
        assertEquals(0, o.exit(), o.out() + o.err());
        assertTrue(o.out().matches("(?s).*restore identical\\s+yes\\s+yes.*"), o.out());
        assertTrue(o.out().contains("backing up " + src.toAbsolutePath()), o.out());
        assertEquals(mtime, Files.getLastModifiedTime(src.resolve("bin/java")).toMillis(), "the source is read only");
        try (var s = Files.list(work)) {
            assertEquals(0, s.count(), "restores removed without --keep");
        }
        CliRun.Outcome missing = run("demo", "--source", tmp.resolve("nope").toString());
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("--source") && missing.err().contains("does not exist"), missing.err());
    }

    @Test
    void verifyReportsDifferencesWithANonZeroExit() throws Exception {
        Path a = dev.memkit.cli.backup.Trees.everyKind(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        CliRun.Outcome o = run("verify", a.toString(), b.toString());
        assertEquals(1, o.exit());
        assertTrue(o.out().contains("missing from the restore"), o.out());
        assertEquals(0, run("verify", a.toString(), a.toString()).exit());
    }
}
