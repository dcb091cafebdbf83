package dev.memkit.debug;

import dev.memkit.stats.MemoryMonitor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Loads the live page in headless Chromium and checks what a person would see: the page loads, every chart has
 * drawn a line from real samples, the tables are filled, and nothing was logged to the console as an error.
 * Skipped where no Chromium is installed, except under {@code MEMKIT_REQUIRE_CHROMIUM=1}, which {@code .ci/run}
 * sets after installing it, so CI can never skip it silently.
 */
class DebugPageBrowserTest {
    private static final String TOKEN = "browser-test-token-0123456789";
    private static final List<String> CHARTS = List.of("heap-chart", "rss-chart", "offheap-chart", "gc-chart");

    static Path chromium() {
        for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return null;
    }

    @Test
    void thePageRendersLiveChartsWithoutConsoleErrors() throws Exception {
        Path browser = chromium();
        if (browser == null) {
            if ("1".equals(System.getenv("MEMKIT_REQUIRE_CHROMIUM"))) {
                throw new AssertionError("MEMKIT_REQUIRE_CHROMIUM=1 but no chromium on PATH");
            }
            Assumptions.abort("no chromium on PATH (install the Debian package 'chromium')");
        }
        List<byte[]> churn = new ArrayList<>();
        try (MemoryMonitor monitor = MemoryMonitor.builder().interval(Duration.ofMillis(50)).start();
             DebugEndpoint endpoint = DebugEndpoint.builder(monitor).token(TOKEN).start()) {
            for (int i = 0; i < 100 && monitor.history().size() < 5; i++) {
                churn.add(new byte[1 << 20]);
                if (churn.size() > 8) {
                    churn.clear();
                    System.gc();              // a pause for the GC chart
                }
                Thread.sleep(20);
            }
            Path profile = Files.createTempDirectory("memkit-chromium");
            Path stderr = profile.resolve("stderr.txt");
            Process p = new ProcessBuilder(browser.toString(), "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + profile,
                    "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000", "--dump-dom",
                    endpoint.uri() + "#token=" + TOKEN)
                    .redirectError(stderr.toFile()).start();
            String dom = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium finished");
            String log = Files.readString(stderr);
            assertTrue(dom.contains("data-status=\"ok\""), "the page loaded its data: " + excerpt(dom)
                    + "\nchromium said:\n" + log);
            Matcher samples = Pattern.compile("data-samples=\"(\\d+)\"").matcher(dom);
            assertTrue(samples.find() && Integer.parseInt(samples.group(1)) >= 2, excerpt(dom));
            for (String chart : CHARTS) {
                Matcher svg = Pattern.compile("<svg id=\"" + chart + "\"[^>]*>(.*?)</svg>", Pattern.DOTALL)
                        .matcher(dom);
                assertTrue(svg.find(), chart + " present");
                Matcher line = Pattern.compile("points=\"([^\"]*)\"").matcher(svg.group(1));
                assertTrue(line.find(), chart + " has a line");
                int points = line.group(1).isBlank() ? 0 : line.group(1).trim().split("\\s+").length;
                if (!chart.equals("gc-chart")) {  // pauses can be absent from a window; the rest always have data
                    assertTrue(points >= 2, chart + " drew " + points + " points");
                }
            }
            assertTrue(dom.contains("<div id=\"errors\"></div>"), "no error shown on the page");
            assertTrue(dom.contains("<td>direct</td>"), "the pools table lists the JDK's direct pool");
            // Chromium logs every console message as "INFO:CONSOLE" whatever its level, and the page itself logs
            // only errors, so any console line at all is a failure.
            List<String> console = log.lines().filter(l -> l.contains(":CONSOLE") || l.contains("Uncaught"))
                    .toList();
            assertEquals(List.of(), console, "console messages");
        }
    }

    private static String excerpt(String dom) {
        return dom.length() > 2000 ? dom.substring(0, 2000) + "..." : dom;
    }
}
