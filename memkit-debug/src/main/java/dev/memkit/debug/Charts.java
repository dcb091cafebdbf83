package dev.memkit.debug;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * memkit's one chart helper for HTML pages and reports: <a href="https://github.com/leeoniya/uPlot">uPlot</a>
 * (MIT, bundled from Maven Central's {@code org.webjars.npm:uplot}) and a small wrapper, {@code memkitCharts}, that
 * draws zero-based line charts ticked at round steps of their unit (bytes in binary units, ms, counts), with time
 * on the x axis and a legend showing the values under the cursor. The {@code /debug/memory} page and the CLI's
 * reports use it; everything is inline, nothing loads from a CDN.
 *
 * <pre>{@code
 * String page = "<html><head>" + Charts.head() + "</head><body><div id=c></div><script>"
 *     + "memkitCharts.chart(document.getElementById('c'), {unit: 'bytes', x: 'seconds',"
 *     + " series: [{label: 'RSS'}], data: [[0, 1, 2], [10e6, 12e6, 11e6]]});</script></body></html>";
 * }</pre>
 *
 * <p>Thread-safe: the text is read once and kept.
 *
 * @since 0.1
 */
public final class Charts {
    private static final String HEAD = "<style>" + resource("charts/dist/uPlot.min.css")
            + "\n.uplot{font:12px system-ui,sans-serif}.u-legend{text-align:left}</style>\n<script>"
            + resource("charts/dist/uPlot.iife.min.js") + "</script>\n<script>" + resource("charts/memkit-charts.js")
            + "</script>\n";

    private Charts() {
    }

    /**
     * The {@code <style>} and {@code <script>} elements to put in a page's {@code <head>}: uPlot and
     * {@code memkitCharts}, about 55 KB, no external resource.
     *
     * @return HTML
     */
    public static String head() {
        return HEAD;
    }

    private static String resource(String name) {
        try (InputStream in = Charts.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " missing from the memkit-debug jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("</script", "<\\/script");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
