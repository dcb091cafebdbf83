package dev.memkit.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        assertTrue(o.out().contains("verified byte for byte yes") || o.out().matches("(?s).*verified byte for byte\\s+yes\\s+yes.*"),
                o.out());
        String html = Files.readString(report);
        assertTrue(html.contains("<svg") && html.contains("polyline"), "charts are drawn");
        assertTrue(!html.contains("http://") && !html.contains("https://"), "self-contained, no CDN");
        try (var s = Files.list(tmp)) {
            assertEquals(1, s.count(), "the demo cleans up its corpus and restores");
        }
    }
}
