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
    private static final List<String> CHARTS = List.of("heap-chart", "offheap-chart", "gc-chart", "alloc-chart");

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
                // uPlot draws on a canvas inside the chart's element, with its legend (one row per series) as HTML.
                Matcher plot = Pattern.compile("<div id=\"" + chart + "\"[^>]*>(.*?)</figure>", Pattern.DOTALL)
                        .matcher(dom);
                assertTrue(plot.find(), chart + " present");
                assertTrue(plot.group(1).contains("class=\"uplot") && plot.group(1).contains("<canvas"),
                        chart + " is a uPlot chart: " + plot.group(1).substring(0, Math.min(300, plot.group(1).length())));
                assertTrue(plot.group(1).contains("u-legend"), chart + " has a legend");
            }
            assertTrue(dom.contains("Allocation profile (10 s)") && dom.contains("JFR recording"),
                    "the page links to its other views");
            assertTrue(dom.contains("<div id=\"errors\"></div>"), "no error shown on the page");
            assertTrue(dom.contains("<td class=\"text\">direct</td>"), "the pools table lists the JDK's direct pool");
            assertTrue(dom.contains("<th class=\"text\">kind</th>"), "the pools table's columns are labelled");
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

    /** Opened without its token, the page says how to add it instead of failing silently. */
    @Test
    void withoutATokenThePageExplainsHowToAddIt() throws Exception {
        Path browser = chromium();
        Assumptions.assumeTrue(browser != null || "1".equals(System.getenv("MEMKIT_REQUIRE_CHROMIUM")),
                "no chromium on PATH");
        try (MemoryMonitor monitor = MemoryMonitor.builder().interval(Duration.ofMillis(50)).start();
             DebugEndpoint endpoint = DebugEndpoint.builder(monitor).token(TOKEN).start()) {
            Path profile = Files.createTempDirectory("memkit-chromium");
            Process p = new ProcessBuilder(browser.toString(), "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + profile,
                    "--virtual-time-budget=3000", "--dump-dom", endpoint.uri().toString())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String dom = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium finished");
            assertTrue(dom.contains("id=\"token-help\" style=\"display: block;\""), "the token help is shown: "
                    + excerpt(dom));
            assertTrue(dom.contains("#token=YOUR_TOKEN"), excerpt(dom));
        }
    }
}
